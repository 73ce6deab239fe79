// How long the client waits before retrying a failed attempt (§4.1; decision D16). Which failures are
// retried, and which count against the breaker, is part of the error itself (ErrorMeaning, errors.ts).

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
