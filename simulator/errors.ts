// One error model (the contract's ErrorObject / ErrorEnvelope, §5.1) and the constructors for every
// error the simulator answers with. Handlers throw SimError; routes/pipeline.ts turns it into HTTP.
import type { components } from '../generated/shunya/schema.d.ts';

export type ErrorObject = components['schemas']['ErrorObject'];
export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
export type ErrorType = components['schemas']['ErrorType'];
type Details = Record<string, unknown>;

export class SimError extends Error {
  constructor(
    readonly status: number,
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
      error_code: this.code,
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

const auth = (status: number, code: string, message: string, details: Details = {}) =>
  new SimError(status, code, 'authentication_error', message, false, details);

export const errors = {
  tokenMissing: () => auth(401, 'TOKEN_MISSING', 'A bearer token is required'),
  tokenInvalid: (reason: string) => auth(401, 'TOKEN_INVALID', 'The bearer token is invalid', { reason }),
  tokenExpired: () => auth(401, 'TOKEN_EXPIRED', 'The bearer token has expired'),
  signatureInvalid: (reason: string) =>
    auth(401, 'SIGNATURE_INVALID', 'X-Signature does not match the request', { reason }),
  companyMismatch: (header: string | null) =>
    auth(403, 'COMPANY_ID_MISMATCH', "X-Company-ID does not match the token's company_id", {
      header_company_id: header,
    }),
  validation: (message: string, details: Details) =>
    new SimError(400, 'VALIDATION_ERROR', 'client_error', message, false, details),
  callNotFound: (callId: unknown, companyId: string) =>
    new SimError(404, 'CALL_NOT_FOUND', 'client_error', `No call ${callId} for company ${companyId}`, false, {
      resource_type: 'call',
      resource_id: callId,
      company_id: companyId,
    }),
  notAvailable: (
    code: 'TRANSCRIPT_NOT_AVAILABLE' | 'ANALYSIS_NOT_AVAILABLE',
    what: string,
    callId: number,
    status: string,
  ) =>
    new SimError(404, code, 'client_error', `${what} for call ${callId} is not available yet`, false, {
      call_id: callId,
      status,
    }),
  transcriptNotReady: (callId: number, status: string) =>
    new SimError(
      409,
      'TRANSCRIPT_NOT_READY',
      'client_error',
      status === 'failed'
        ? `Transcription of call ${callId} failed; submit it again`
        : `Transcription of call ${callId} has not completed`,
      // Waiting fixes a running transcription, not a failed one (decision D22).
      status !== 'failed',
      { call_id: callId, transcription_status: status },
    ),
  idempotencyReused: (key: string) =>
    new SimError(
      409,
      'IDEMPOTENCY_KEY_REUSED',
      'client_error',
      'Idempotency-Key was already used with a different request',
      false,
      { idempotency_key: key },
    ),
  audio: (code: string, message: string, details: Details) =>
    new SimError(422, code, 'client_error', message, false, details),
  segmentationNotApplicable: (callId: number, callType: string) =>
    new SimError(
      422,
      'SEGMENTATION_NOT_APPLICABLE',
      'client_error',
      'Meeting segmentation applies to sales calls only',
      false,
      { call_id: callId, call_type: callType },
    ),
  rateLimited: (retryAfter: number, details: Details) =>
    new SimError(
      429,
      'RATE_LIMIT_EXCEEDED',
      'rate_limit_error',
      'Rate limit exceeded. Please try again later.',
      true,
      { ...details, retry_after: retryAfter },
      { 'retry-after': String(retryAfter) },
    ),
  server: (status: 500 | 503, code: string, message: string, retryable: boolean, details: Details = {}) =>
    new SimError(status, code, 'server_error', message, retryable, details),
  notFoundRoute: (path: string) =>
    new SimError(404, 'NOT_FOUND', 'client_error', `No route ${path}`, false, { path }),
};
