// What the pipeline reads from a failed Shunya request: the meaning the client decided when it built the
// error (ErrorMeaning, src/shunya/errors.ts; D96), and the error as a job stores it (§5.1). Anything that is
// not a Shunya error (a bug, a database outage) is not a Shunya failure: it propagates.
import { errorInfo, ShunyaError } from '../shunya/errors.ts';
import type { ErrorMeaning, ShunyaErrorInfo } from '../shunya/types.ts';

export interface ShunyaFailure {
  disposition: ErrorMeaning['disposition'];
  retryAfterMs: number | null;
  info: ShunyaErrorInfo;
  httpStatus: number | null;
  /** Shunya answered, but not in a form Otto can read (D80) */
  unreadable: boolean;
}

export function shunyaFailure(e: unknown): ShunyaFailure | null {
  if (!(e instanceof ShunyaError)) return null;
  const { disposition, retryAfterMs, unreadable } = e.meaning;
  const info = errorInfo(e);
  // a transient failure costs an attempt and is retried by the job layer, whatever the envelope said (D35)
  return {
    disposition,
    retryAfterMs,
    unreadable,
    httpStatus: e.httpStatus,
    info: disposition === 'transient' ? { ...info, retryable: true } : info,
  };
}
