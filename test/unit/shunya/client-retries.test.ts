// Retries (§4.1, §9.1, §9.2; D16): what is retried in-process, after how long, and what is not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ShunyaApiError,
  ShunyaAuthenticationError,
  ShunyaClientError,
  type ShunyaError,
  ShunyaNetworkError,
  ShunyaRateLimitError,
  ShunyaResponseError,
  ShunyaServerError,
  ShunyaTimeoutError,
} from '../../../src/shunya/errors.ts';
import { newRequestOptions } from '../../../src/shunya/request-options.ts';
import { retryDelayMs } from '../../../src/shunya/retry-policy.ts';
import { type Answer, accepted, envelope, hang, json, networkError, testClient } from './fake-shunya.ts';

const CO = 'company_abc123';
const transcribe = (client: ReturnType<typeof testClient>['client']) =>
  client.transcribe(
    CO,
    { call_id: 1, audio_url: 'https://a.example/x.mp3', call_type: 'csr_call' },
    newRequestOptions(),
  );
const html502 = () =>
  new Response('<html><title>502 Bad Gateway</title></html>', {
    status: 502,
    headers: { 'content-type': 'text/html' },
  });

describe('retried in-process, then succeeding', () => {
  it.each<[string, Answer, number[]]>([
    ['5xx with retryable: true', envelope(500, 'INTERNAL_ERROR', 'server_error', true), [5000, 10_000]],
    ['5xx without an envelope (a proxy page)', html502(), [5000, 10_000]],
    [
      '5xx envelope without retryable',
      envelope(503, 'SERVICE_UNAVAILABLE', 'server_error', undefined),
      [5000, 10_000],
    ],
    [
      '429 without Retry-After',
      envelope(429, 'RATE_LIMIT_EXCEEDED', 'rate_limit_error', true),
      [5000, 10_000],
    ],
    ['network error', networkError(), [5000, 10_000]],
    [
      '200 with success: false and retryable: true',
      json(200, { success: false, error: { error_code: 'BUSY', retryable: true } }),
      [5000, 10_000],
    ],
  ])('%s', async (_name, failure, sleeps) => {
    const t = testClient([failure, failure, accepted()]);
    await expect(transcribe(t.client)).resolves.toEqual({ shunya_job_id: 'shunya_task_1', transcript_id: 7 });
    expect(t.requests).toHaveLength(3);
    expect(t.sleeps).toEqual(sleeps);
  });

  it('a timeout (the request is aborted after timeoutMs)', async () => {
    const t = testClient([hang, accepted()], { timeoutMs: 25 });
    await expect(transcribe(t.client)).resolves.toMatchObject({ shunya_job_id: 'shunya_task_1' });
    expect(t.requests).toHaveLength(2);
    expect(t.requests[0]?.signal.aborted).toBe(true);
    expect(t.sleeps).toEqual([5000]);
  });
});

describe('retried 3 times, then failing with a typed error', () => {
  it.each<[string, () => Answer, new (...a: never[]) => ShunyaError, Partial<ShunyaError>]>([
    [
      '5xx',
      () => envelope(500, 'INTERNAL_ERROR', 'server_error', true),
      ShunyaServerError,
      { httpStatus: 500, errorCode: 'INTERNAL_ERROR', retryable: true, requestId: 'shunya-req-1' },
    ],
    [
      '429',
      () => envelope(429, 'RATE_LIMIT_EXCEEDED', 'rate_limit', true),
      ShunyaRateLimitError,
      { httpStatus: 429, errorType: 'rate_limit_error', retryable: true },
    ],
    [
      'network error',
      () => networkError(),
      ShunyaNetworkError,
      {
        httpStatus: null,
        errorCode: 'SHUNYA_UNREACHABLE',
        retryable: true,
        details: { cause: 'ECONNREFUSED' },
      },
    ],
    [
      'timeout',
      () => hang,
      ShunyaTimeoutError,
      { httpStatus: null, errorCode: 'SHUNYA_TIMEOUT', retryable: true },
    ],
  ])('%s', async (_name, answer, type, fields) => {
    const t = testClient((_req) => answer(), { timeoutMs: 20 });
    const err = await transcribe(t.client).catch((e) => e);
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject(fields);
    expect(err.ottoRequestId).toBe(t.requests[0]?.headers['x-request-id']);
    expect(t.requests).toHaveLength(4);
    expect(t.sleeps).toEqual([5000, 10_000, 30_000]);
  });

  it('retries as configured (UWC_RETRY_DELAYS_MS)', async () => {
    const t = testClient([envelope(500, 'X', 'server_error', true)], { retryDelaysMs: [1, 2] });
    await expect(transcribe(t.client)).rejects.toBeInstanceOf(ShunyaServerError);
    expect(t.requests).toHaveLength(3);
    expect(t.sleeps).toEqual([1, 2]);
  });
});

describe('not retried', () => {
  it.each<[string, Answer, new (...a: never[]) => ShunyaError, Partial<ShunyaError>]>([
    [
      '401',
      envelope(401, 'TOKEN_EXPIRED', 'authentication_error', false),
      ShunyaAuthenticationError,
      { httpStatus: 401, errorCode: 'TOKEN_EXPIRED', retryable: false },
    ],
    [
      '403',
      envelope(403, 'COMPANY_ID_MISMATCH', 'authentication_error', false),
      ShunyaAuthenticationError,
      { httpStatus: 403, retryable: false },
    ],
    [
      '401 without an envelope',
      new Response('Unauthorized', { status: 401 }),
      ShunyaAuthenticationError,
      { errorCode: 'UNAUTHORIZED' },
    ],
    [
      '400 validation',
      envelope(400, 'VALIDATION_ERROR', 'validation_error', false),
      ShunyaClientError,
      { httpStatus: 400, errorType: 'client_error', retryable: false },
    ],
    [
      '422 FastAPI',
      json(422, { detail: [{ loc: ['body', 'call_id'], msg: 'field required' }] }),
      ShunyaClientError,
      { errorCode: 'VALIDATION_ERROR', retryable: false },
    ],
    [
      '404',
      envelope(404, 'CALL_NOT_FOUND', 'not_found', false),
      ShunyaClientError,
      { httpStatus: 404, errorType: 'client_error' },
    ],
    [
      '409 TRANSCRIPT_NOT_READY: retryable for the job layer, not retried here',
      envelope(409, 'TRANSCRIPT_NOT_READY', 'client_error', true),
      ShunyaClientError,
      { httpStatus: 409, errorCode: 'TRANSCRIPT_NOT_READY', retryable: true },
    ],
    [
      '5xx with retryable: false',
      envelope(500, 'ANALYSIS_FAILED', 'processing_error', false),
      ShunyaServerError,
      { httpStatus: 500, errorType: 'server_error', retryable: false },
    ],
    [
      '200 with success: false and retryable: false',
      json(200, { success: false, error: { error_code: 'NO', retryable: false } }),
      ShunyaApiError,
      { httpStatus: 200, errorCode: 'NO', retryable: false },
    ],
    [
      '200 with success: false and no retryable',
      json(200, { success: false, message: 'nope' }),
      ShunyaApiError,
      { retryable: false, message: 'nope' },
    ],
    [
      '200 whose body is not JSON',
      new Response('<html>ok</html>', { status: 200 }),
      ShunyaResponseError,
      { httpStatus: 200, errorCode: 'INVALID_RESPONSE', retryable: true },
    ],
    [
      '200 without a job id',
      json(200, { success: true, message: 'queued' }),
      ShunyaResponseError,
      { errorCode: 'INVALID_RESPONSE', retryable: true },
    ],
  ])('%s', async (_name, answer, type, fields) => {
    const t = testClient([answer, accepted()]);
    const err = await transcribe(t.client).catch((e) => e);
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject(fields);
    expect(t.requests).toHaveLength(1);
    expect(t.sleeps).toEqual([]);
  });
});

describe('Retry-After', () => {
  const limited = (headers: Record<string, string>, details = {}) =>
    json(
      429,
      {
        success: false,
        error: {
          error_code: 'RATE_LIMIT_EXCEEDED',
          error_type: 'rate_limit_error',
          retryable: true,
          details,
        },
      },
      headers,
    );

  it.each<[string, Answer, number]>([
    ['a longer Retry-After wins', limited({ 'retry-after': '20' }), 20_000],
    ['a shorter Retry-After loses to the scheduled delay', limited({ 'retry-after': '1' }), 5000],
    [
      'an HTTP date',
      limited({ 'retry-after': new Date(Date.parse('2025-01-15T10:00:42Z')).toUTCString() }),
      42_000,
    ],
    ['details.retry_after when there is no header', limited({}, { retry_after: 12 }), 12_000],
    [
      'on a 503 too',
      envelope(503, 'SERVICE_UNAVAILABLE', 'server_error', true, { 'retry-after': '15' }),
      15_000,
    ],
  ])('%s', async (_name, first, wait) => {
    const t = testClient([first, accepted()], { now: () => Date.parse('2025-01-15T10:00:00Z') });
    await transcribe(t.client);
    expect(t.sleeps).toEqual([wait]);
  });

  it('a Retry-After beyond the in-process limit ends the retries and is handed to the job layer', async () => {
    const t = testClient([limited({ 'retry-after': '3600' }), accepted()]);
    const err = await transcribe(t.client).catch((e) => e);
    expect(err).toBeInstanceOf(ShunyaRateLimitError);
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 3_600_000 });
    expect(t.requests).toHaveLength(1);
  });
});

describe('jitter', () => {
  it('stays within ± jitter of the scheduled delay', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (retry, r, jitter) => {
          const base = [5000, 10_000, 30_000][retry] as number;
          const d = retryDelayMs(retry, [5000, 10_000, 30_000], jitter, () => r, null);
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)));
          expect(d).toBeLessThanOrEqual(Math.ceil(base * (1 + jitter)));
        },
      ),
    );
  });

  it('is applied by the client (random 0 → −20 %, random → 1 → +20 %)', async () => {
    const low = testClient([envelope(500, 'X', 'server_error', true), accepted()], { random: () => 0 });
    await transcribe(low.client);
    expect(low.sleeps).toEqual([4000]);
    const high = testClient([envelope(500, 'X', 'server_error', true), accepted()], {
      random: () => 0.999_999,
    });
    await transcribe(high.client);
    expect(high.sleeps).toEqual([6000]);
  });
});
