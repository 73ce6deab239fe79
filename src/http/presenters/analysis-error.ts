// §5.2 for the frontend (decision D79): a failed job's last error becomes Otto's SHUNYA_API_ERROR /
// external_service_error, with a sentence fit for a user and whether a retry may help. Shunya's own code,
// type, message and request id are not shown to users; operators read them in the ops API (JobError).
import type { AnalysisError, JobError } from '../../../generated/otto/types.gen.ts';

const UNAVAILABLE = new Set(['SHUNYA_TIMEOUT', 'SHUNYA_UNREACHABLE', 'CIRCUIT_OPEN', 'RATE_LIMIT_EXCEEDED']);
const UNUSABLE = new Set(['INCOMPLETE_RESULT', 'INVALID_RESPONSE', 'UNEXPECTED_STATUS']);

/** Why, in words for a user; `what` is "call" or "visit". */
function sentence(e: JobError, what: string): string {
  if (e.error_code === 'JOB_TIMEOUT') return `The ${what} took too long to analyse and was stopped.`;
  if (UNAVAILABLE.has(e.error_code) || e.error_type === 'rate_limit_error')
    return `The analysis service was unavailable, so the ${what} could not be analysed.`;
  if (UNUSABLE.has(e.error_code)) return `The analysis service returned a result that could not be used.`;
  if (e.error_type === 'authentication_error')
    return `The analysis service refused the request, so the ${what} could not be analysed.`;
  if (e.error_type === 'client_error') return `The ${what}'s recording could not be processed.`;
  return `The ${what} could not be analysed.`;
}

export function presentAnalysisError(e: JobError | null, what: 'call' | 'visit'): AnalysisError | null {
  if (!e) return null;
  return {
    error_code: 'SHUNYA_API_ERROR',
    error_type: 'external_service_error',
    message: sentence(e, what),
    retryable: e.retryable,
    at: e.at ?? null,
  };
}
