// How the job layer treats a failed Shunya request (§9.2), from the client's typed errors: flow control
// (open breaker, rate limit) is "later" and costs no attempt; transient failures are retried with the
// job-level backoff; permanent ones (401/403, validation, retryable:false) fail the job.
import type { ClassifiedError } from '../pipeline/deps.ts';
import {
  errorInfo,
  ShunyaApiError,
  ShunyaAuthenticationError,
  ShunyaCircuitOpenError,
  ShunyaClientError,
  ShunyaError,
  ShunyaNetworkError,
  ShunyaRateLimitError,
  ShunyaResponseError,
  ShunyaServerError,
  ShunyaTimeoutError,
} from './errors.ts';

export function classifyShunyaError(e: unknown): ClassifiedError | null {
  if (!(e instanceof ShunyaError)) return null;
  const base = { info: errorInfo(e), httpStatus: e.httpStatus };
  if (e instanceof ShunyaCircuitOpenError)
    return { ...base, disposition: 'later', retryAfterMs: e.retryAfterMs };
  if (e instanceof ShunyaRateLimitError)
    return { ...base, disposition: 'later', retryAfterMs: e.retryAfterMs ?? 30_000 };
  if (e instanceof ShunyaAuthenticationError)
    return { ...base, disposition: 'permanent', retryAfterMs: null };
  if (e instanceof ShunyaResponseError)
    return {
      ...base,
      info: { ...base.info, retryable: true },
      disposition: 'transient',
      retryAfterMs: null,
      unreadable: true,
    };
  if (e instanceof ShunyaNetworkError || e instanceof ShunyaTimeoutError)
    return { ...base, info: { ...base.info, retryable: true }, disposition: 'transient', retryAfterMs: null };
  if (e instanceof ShunyaServerError || e instanceof ShunyaApiError || e instanceof ShunyaClientError)
    return { ...base, disposition: e.retryable ? 'transient' : 'permanent', retryAfterMs: null };
  return { ...base, disposition: e.retryable ? 'transient' : 'permanent', retryAfterMs: null };
}
