// One error model (the contract's ErrorObject / ErrorEnvelope, §5.1) and the constructors for every
// error the simulator answers with. Handlers throw SimError; routes/pipeline.ts turns it into HTTP.
// Every constructor takes its HTTP status, error_type and retryable from the contract's closed error
// catalogue (x-error-catalogue, D47): the simulator cannot answer a code the contract does not list,
// nor a listed code with other properties. Only fault rules and scenarios may override them on purpose.
import { type CataloguedErrorCode, ERROR_CATALOGUE } from '../generated/shunya/contract.ts';
import type { components } from '../generated/shunya/schema.d.ts';

export type ErrorObject = components['schemas']['ErrorObject'];
export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
export type ErrorType = components['schemas']['ErrorType'];
type Details = Record<string, unknown>;

export class SimError extends Error {
  constructor(
    readonly status: number,
    /** A catalogued code, unless a fault rule or scenario injects another on purpose. */
    readonly code: string,
    readonly type: ErrorType,
    message: string,
    readonly retryable: boolean,
    readonly details: Details = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toObject(timestamp: string, requestId: string | null): ErrorObject {
    return {
      error_code: this.code as ErrorObject['error_code'],
      error_type: this.type,
      message: this.message,
      retryable: this.retryable,
      details: this.details,
      timestamp,
      request_id: requestId,
    };
  }

  toEnvelope(timestamp: string, requestId: string | null): ErrorEnvelope {
    return { success: false, error: this.toObject(timestamp, requestId), timestamp };
  }
}

/** An error exactly as the catalogue defines `code`. */
export function catalogued(
  code: CataloguedErrorCode,
  message: string,
  details: Details = {},
  headers: Record<string, string> = {},
): SimError {
  const c = ERROR_CATALOGUE[code];
  return new SimError(c.http_status, code, c.error_type, message, c.retryable, details, headers);
}

export type JobFailureCode = 'TRANSCRIPTION_FAILED' | 'ANALYSIS_FAILED' | 'SEGMENTATION_FAILED';

export const errors = {
  tokenMissing: () => catalogued('TOKEN_MISSING', 'A bearer token is required'),
  tokenInvalid: (reason: string) => catalogued('TOKEN_INVALID', 'The bearer token is invalid', { reason }),
  tokenExpired: () => catalogued('TOKEN_EXPIRED', 'The bearer token has expired'),
  signatureInvalid: (reason: string) =>
    catalogued('SIGNATURE_INVALID', 'X-Signature does not match the request', { reason }),
  companyMismatch: (header: string | null) =>
    catalogued('COMPANY_ID_MISMATCH', "X-Company-ID does not match the token's company_id", {
      header_company_id: header,
    }),
  badRequest: (message: string, details: Details) => catalogued('BAD_REQUEST', message, details),
  validation: (message: string, details: Details) => catalogued('VALIDATION_ERROR', message, details),
  callNotFound: (callId: unknown, companyId: string) =>
    catalogued('CALL_NOT_FOUND', `No call ${callId} for company ${companyId}`, {
      resource_type: 'call',
      resource_id: callId,
      company_id: companyId,
    }),
  notAvailable: (
    code: 'TRANSCRIPT_NOT_AVAILABLE' | 'ANALYSIS_NOT_AVAILABLE',
    what: string,
    callId: number,
    status: string,
  ) => catalogued(code, `${what} for call ${callId} is not available yet`, { call_id: callId, status }),
  /** Waiting fixes a queued or running transcription (retryable), not a failed one (D22, D47). */
  transcriptNotReady: (callId: number, status: string) =>
    status === 'failed'
      ? catalogued('TRANSCRIPT_FAILED', `Transcription of call ${callId} failed; submit it again`, {
          call_id: callId,
          transcription_status: status,
        })
      : catalogued('TRANSCRIPT_NOT_READY', `Transcription of call ${callId} has not completed`, {
          call_id: callId,
          transcription_status: status,
        }),
  idempotencyReused: (key: string) =>
    catalogued('IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key was already used with a different request', {
      idempotency_key: key,
    }),
  audio: (
    code: 'INVALID_AUDIO_URL' | 'AUDIO_TOO_LARGE' | 'AUDIO_TOO_LONG' | 'UNSUPPORTED_AUDIO_FORMAT',
    message: string,
    details: Details,
  ) => catalogued(code, message, details),
  segmentationNotApplicable: (callId: number, callType: string) =>
    catalogued('SEGMENTATION_NOT_APPLICABLE', 'Meeting segmentation applies to sales calls only', {
      call_id: callId,
      call_type: callType,
    }),
  rateLimited: (retryAfter: number, details: Details) =>
    catalogued(
      'RATE_LIMIT_EXCEEDED',
      'Rate limit exceeded. Please try again later.',
      { ...details, retry_after: retryAfter },
      { 'retry-after': String(retryAfter) },
    ),
  internal: (details: Details = {}) =>
    catalogued('INTERNAL_ERROR', 'Processing failed due to internal error', details),
  /** A job that failed; a non-retryable failure is PERMANENT_FAILURE (the catalogue's 5xx that is not). */
  jobFailed: (code: JobFailureCode, retryable: boolean, message: string, details: Details) =>
    retryable ? catalogued(code, message, details) : catalogued('PERMANENT_FAILURE', message, details),
  /** A 5xx a fault rule injects: its code, status and retryable are the rule's to choose. */
  injected: (status: 500 | 503, code: string, message: string, retryable: boolean, details: Details = {}) =>
    new SimError(status, code, 'server_error', message, retryable, details),
  notFoundRoute: (path: string) => catalogued('NOT_FOUND', `No route ${path}`, { path }),
};
