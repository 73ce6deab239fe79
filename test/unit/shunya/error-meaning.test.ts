// What every failure means is decided once, when the client builds the error (D16's table, D35, D96): the
// client's in-process retries and breaker read `meaning`, and so does the job layer. Each row goes through
// the real builder (classifyOutcome), from what happened on the wire.
import { describe, expect, it } from 'vitest';
import { classifyOutcome, type WireOutcome } from '../../../src/shunya/error-mapping.ts';
import { ShunyaCircuitOpenError } from '../../../src/shunya/errors.ts';
import type { ErrorMeaning } from '../../../src/shunya/types.ts';
import { shunyaFailure } from '../../../src/steps/shunya-failure.ts';

const ctx = { ottoRequestId: 'o', endpoint: 'POST /api/v1/transcription/transcribe', now: () => 0 };
const res = (status: number, body: unknown, headers: Record<string, string> = {}): WireOutcome => ({
  kind: 'response',
  status,
  headers: new Headers(headers),
  body,
});
const env = (code: string, retryable?: boolean) =>
  JSON.stringify({
    success: false,
    error: { error_code: code, message: 'm', ...(retryable === undefined ? {} : { retryable }) },
  });

const M = (
  disposition: ErrorMeaning['disposition'],
  retryInProcess: boolean,
  countsAgainstBreaker: boolean,
  retryAfterMs: number | null = null,
  unreadable = false,
): ErrorMeaning => ({ disposition, retryInProcess, countsAgainstBreaker, retryAfterMs, unreadable });

describe('the meaning of each failure (D16)', () => {
  it.each<[string, WireOutcome, ErrorMeaning]>([
    ['401', res(401, env('TOKEN_INVALID')), M('permanent', false, false)],
    ['403', res(403, env('COMPANY_ID_MISMATCH')), M('permanent', false, false)],
    [
      '429 with Retry-After',
      res(429, env('RATE_LIMIT_EXCEEDED'), { 'retry-after': '7' }),
      M('later', true, false, 7000),
    ],
    ['429 without', res(429, env('RATE_LIMIT_EXCEEDED')), M('later', true, false)],
    ['500', res(500, env('INTERNAL_ERROR')), M('transient', true, true)],
    [
      '503 with Retry-After',
      res(503, env('UNAVAILABLE', true), { 'retry-after': '2' }),
      M('transient', true, true, 2000),
    ],
    ['500 without an envelope', res(500, 'oops'), M('transient', true, true)],
    ['503 retryable false', res(503, env('DOWN_FOR_GOOD', false)), M('permanent', false, true)],
    ['400', res(400, env('VALIDATION_ERROR')), M('permanent', false, false)],
    [
      '409 TRANSCRIPT_NOT_READY retryable',
      res(409, env('TRANSCRIPT_NOT_READY', true)),
      M('transient', false, false),
    ],
    ['200 success false retryable', res(200, env('SOFT_FAIL', true)), M('transient', true, false)],
    ['200 success false', res(200, env('SOFT_FAIL', false)), M('permanent', false, false)],
    ['200 not JSON', res(200, 'Welcome to nginx!'), M('transient', false, false, null, true)],
    ['304', res(304, ''), M('transient', false, false, null, true)],
    [
      'a network error',
      { kind: 'exception', error: new TypeError('fetch failed'), timedOut: false },
      M('transient', true, true),
    ],
    [
      'a timeout',
      { kind: 'exception', error: new DOMException('t', 'TimeoutError'), timedOut: true },
      M('transient', true, true),
    ],
  ])('%s', (_n, o, want) => {
    const c = classifyOutcome(o, ctx);
    if (c.ok) throw new Error('expected a failure');
    expect(c.error.meaning).toEqual(want);
  });

  it('an open breaker is flow control after its cooldown', () => {
    const e = new ShunyaCircuitOpenError(
      {
        httpStatus: null,
        error_code: 'CIRCUIT_OPEN',
        error_type: 'circuit_open',
        message: 'x',
        retryable: true,
        details: {},
        timestamp: null,
        request_id: null,
        ottoRequestId: 'o',
      },
      1234,
    );
    expect(e.meaning).toEqual(M('later', false, false, 1234));
  });
});

describe('what the job layer reads (shunyaFailure)', () => {
  it('takes the disposition from the error, and stores a transient failure as retryable', () => {
    const c = classifyOutcome(res(304, ''), ctx);
    if (c.ok) throw new Error('expected a failure');
    expect(c.error.retryable).toBe(false);
    expect(shunyaFailure(c.error)).toMatchObject({
      disposition: 'transient',
      httpStatus: 304,
      info: { error_code: 'UNEXPECTED_STATUS', retryable: true },
    });
  });

  it('is null for anything that is not a Shunya error (it propagates)', () => {
    expect(shunyaFailure(new Error('a bug'))).toBeNull();
  });
});
