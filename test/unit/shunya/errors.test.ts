// The one mapping from the wire to typed errors (§5.2, D16) and from typed errors to Otto's envelope.
import { describe, expect, it } from 'vitest';
import { classifyOutcome, retryAfterMs, type WireOutcome } from '../../../src/shunya/error-mapping.ts';
import {
  errorInfo,
  ShunyaApiError,
  ShunyaAuthenticationError,
  ShunyaCircuitOpenError,
  ShunyaClientError,
  type ShunyaError,
  ShunyaNetworkError,
  ShunyaRateLimitError,
  ShunyaResponseError,
  ShunyaServerError,
  ShunyaTimeoutError,
  toOttoErrorEnvelopeFields,
} from '../../../src/shunya/errors.ts';

const ctx = {
  ottoRequestId: 'otto-req-1',
  endpoint: 'GET /api/v1/analysis/complete/{call_id}',
  now: () => Date.parse('2025-01-15T10:00:00Z'),
};
const res = (status: number, body: unknown, headers: Record<string, string> = {}): WireOutcome => ({
  kind: 'response',
  status,
  headers: new Headers(headers),
  body,
});
const env = (code: string, retryable?: boolean) => ({
  success: false,
  error: {
    error_code: code,
    message: 'm',
    ...(retryable === undefined ? {} : { retryable }),
    request_id: 'shunya-1',
  },
});

describe('classifyOutcome', () => {
  it.each<[string, WireOutcome, boolean]>([
    ['200 JSON', res(200, '{"ok":1}'), true],
    ['201', res(201, '{}'), true],
    ['202', res(202, '{"success":true,"job_id":"j"}'), true],
    ['204 (no body)', res(204, undefined), true],
    ['200 empty text', res(200, ''), true],
  ])('%s is a success', (_n, o) => {
    expect(classifyOutcome(o, ctx)).toMatchObject({ ok: true });
  });

  it('parses the body of a success', () => {
    expect(classifyOutcome(res(200, '{"a":[1,0]}'), ctx)).toEqual({
      ok: true,
      status: 200,
      body: { a: [1, 0] },
    });
  });

  it.each<[string, WireOutcome, new (...a: never[]) => ShunyaError, Partial<ShunyaError>]>([
    [
      '401',
      res(401, env('TOKEN_INVALID')),
      ShunyaAuthenticationError,
      { retryable: false, errorType: 'authentication_error' },
    ],
    ['403', res(403, env('COMPANY_ID_MISMATCH')), ShunyaAuthenticationError, { retryable: false }],
    [
      '429',
      res(429, env('RATE_LIMIT_EXCEEDED'), { 'retry-after': '30' }),
      ShunyaRateLimitError,
      { retryable: true, retryAfterMs: 30_000 } as Partial<ShunyaError>,
    ],
    ['500', res(500, env('INTERNAL_ERROR')), ShunyaServerError, { retryable: true }],
    ['503 retryable false', res(503, env('DOWN_FOR_GOOD', false)), ShunyaServerError, { retryable: false }],
    ['400', res(400, env('BAD_REQUEST')), ShunyaClientError, { retryable: false, errorType: 'client_error' }],
    [
      '409 retryable true',
      res(409, env('TRANSCRIPT_NOT_READY', true)),
      ShunyaClientError,
      { retryable: true },
    ],
    [
      '200 success false',
      res(200, env('SOFT_FAIL', true)),
      ShunyaApiError,
      { retryable: true, httpStatus: 200 },
    ],
    [
      '200 not JSON',
      res(200, 'Welcome to nginx!'),
      ShunyaResponseError,
      { retryable: true, errorCode: 'INVALID_RESPONSE' },
    ],
    ['304', res(304, ''), ShunyaResponseError, { errorCode: 'UNEXPECTED_STATUS', retryable: false }],
    [
      'a network error',
      { kind: 'exception', error: new TypeError('fetch failed'), timedOut: false },
      ShunyaNetworkError,
      { retryable: true, httpStatus: null },
    ],
    [
      'a timeout',
      { kind: 'exception', error: new DOMException('t', 'TimeoutError'), timedOut: true },
      ShunyaTimeoutError,
      { retryable: true },
    ],
  ])('%s', (_n, o, type, fields) => {
    const c = classifyOutcome(o, ctx);
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.error).toBeInstanceOf(type);
    expect(c.error).toMatchObject({ ...fields, ottoRequestId: 'otto-req-1', endpoint: ctx.endpoint });
  });

  it('keeps what the envelope said', () => {
    const c = classifyOutcome(res(500, env('INTERNAL_ERROR')), ctx);
    expect(c.ok ? null : c.error).toMatchObject({
      errorCode: 'INTERNAL_ERROR',
      message: 'm',
      requestId: 'shunya-1',
      httpStatus: 500,
      name: 'ShunyaServerError',
    });
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-15T10:00:00Z');
  it.each<[string, Record<string, string>, Record<string, unknown>, number | null]>([
    ['seconds', { 'retry-after': '7' }, {}, 7000],
    ['an HTTP date', { 'retry-after': 'Wed, 15 Jan 2025 10:01:00 GMT' }, {}, 60_000],
    ['a date in the past', { 'retry-after': 'Wed, 15 Jan 2025 09:00:00 GMT' }, {}, 0],
    ['details.retry_after', {}, { retry_after: '3' }, 3000],
    ['the header wins', { 'retry-after': '1' }, { retry_after: 100 }, 1000],
    ['garbage', { 'retry-after': 'soon' }, { retry_after: 'later' }, null],
    ['nothing', {}, {}, null],
  ])('%s', (_n, h, details, want) => {
    expect(retryAfterMs(new Headers(h), details, now)).toBe(want);
  });
});

describe("Otto's frontend envelope (§5.2)", () => {
  const server = new ShunyaServerError({
    httpStatus: 500,
    error_code: 'INTERNAL_ERROR',
    error_type: 'server_error',
    message: 'asr_engine exploded at 0x1234',
    retryable: true,
    details: { component: 'asr_engine' },
    timestamp: '2025-01-15T10:00:00.000Z',
    request_id: '550e8400-e29b-41d4-a716-446655440000',
    ottoRequestId: 'otto-1',
  });

  it('maps any Shunya error to SHUNYA_API_ERROR / external_service_error without leaking its message', () => {
    expect(toOttoErrorEnvelopeFields(server)).toEqual({
      error_code: 'SHUNYA_API_ERROR',
      error_type: 'external_service_error',
      message: 'Shunya API request failed',
      retryable: true,
      details: {
        shunya_error_code: 'INTERNAL_ERROR',
        shunya_request_id: '550e8400-e29b-41d4-a716-446655440000',
        http_status: 500,
      },
    });
  });

  it('says when Shunya is unavailable or slow', () => {
    const init = {
      httpStatus: null,
      error_code: 'CIRCUIT_OPEN',
      error_type: 'circuit_open',
      message: 'x',
      retryable: true,
      details: {},
      timestamp: null,
      request_id: null,
      ottoRequestId: 'o',
    };
    expect(toOttoErrorEnvelopeFields(new ShunyaCircuitOpenError(init, 1000))).toMatchObject({
      message: 'Shunya is temporarily unavailable',
      retryable: true,
      details: { shunya_error_code: 'CIRCUIT_OPEN', http_status: null },
    });
    expect(
      toOttoErrorEnvelopeFields(new ShunyaTimeoutError({ ...init, error_code: 'SHUNYA_TIMEOUT' })),
    ).toMatchObject({ message: 'Shunya did not answer in time' });
  });

  it('errorInfo stores a Shunya error as §5.1 fields, and anything else as an internal error', () => {
    expect(errorInfo(server)).toEqual({
      error_code: 'INTERNAL_ERROR',
      error_type: 'server_error',
      message: 'asr_engine exploded at 0x1234',
      retryable: true,
      details: { component: 'asr_engine' },
      timestamp: '2025-01-15T10:00:00.000Z',
      request_id: '550e8400-e29b-41d4-a716-446655440000',
    });
    expect(errorInfo(new Error('bug'))).toMatchObject({
      error_code: 'OTTO_INTERNAL_ERROR',
      message: 'bug',
      retryable: false,
    });
  });
});
