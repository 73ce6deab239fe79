// Which failures the client retries in-process, which ones count against the circuit breaker, and how
// long to wait (§4.1, §9.1, §9.2; decision D16).
import {
  ShunyaApiError,
  type ShunyaError,
  ShunyaNetworkError,
  ShunyaRateLimitError,
  ShunyaServerError,
  ShunyaTimeoutError,
} from './errors.ts';

/**
 * Retried by the HTTP layer: 5xx with retryable true (or without an envelope), 429, timeouts, network
 * errors, and a 2xx with success: false and retryable: true. Never: 401/403, other 4xx (even a
 * retryable 409 TRANSCRIPT_NOT_READY: waiting is the job layer's business), 5xx with retryable: false,
 * an unusable 2xx body (the same request would get the same answer) and an open circuit.
 */
export function isRetriedInProcess(e: ShunyaError): boolean {
  if (
    e instanceof ShunyaRateLimitError ||
    e instanceof ShunyaTimeoutError ||
    e instanceof ShunyaNetworkError
  ) {
    return true;
  }
  if (e instanceof ShunyaServerError || e instanceof ShunyaApiError) return e.retryable;
  return false;
}

/** Failures that count against the breaker: Shunya unwell or unreachable. 4xx and 429 do not count. */
export function countsAgainstBreaker(e: ShunyaError): boolean {
  return e instanceof ShunyaServerError || e instanceof ShunyaTimeoutError || e instanceof ShunyaNetworkError;
}

/** The delay before retry number `retry` (0-based): the scheduled delay ± jitter, or Retry-After if longer. */
export function retryDelayMs(
  retry: number,
  delaysMs: readonly number[],
  jitter: number,
  random: () => number,
  retryAfter: number | null,
): number {
  const base = delaysMs[Math.min(retry, delaysMs.length - 1)] ?? 0;
  const jittered = Math.max(0, Math.round(base * (1 + (random() * 2 - 1) * jitter)));
  return retryAfter !== null && retryAfter > jittered ? retryAfter : jittered;
}

export function serverRetryAfter(e: ShunyaError): number | null {
  return e instanceof ShunyaRateLimitError || e instanceof ShunyaServerError ? e.retryAfterMs : null;
}
