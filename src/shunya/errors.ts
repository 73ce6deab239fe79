// Otto's typed Shunya errors (§5). One class per way a call can fail; every one carries what §5.1's
// envelope says (or what Otto inferred), Shunya's request id and Otto's X-Request-ID. The mapping from a
// response or an exception to these classes is in one function: toShunyaError (error-mapping.ts).
import type { ShunyaErrorInfo } from './types.ts';

export interface ShunyaErrorInit extends ShunyaErrorInfo {
  httpStatus: number | null;
  /** Otto's X-Request-ID of the logical operation. */
  ottoRequestId: string | null;
  /** `METHOD /path/template`. */
  endpoint?: string | null;
  cause?: unknown;
}

export class ShunyaError extends Error {
  readonly httpStatus: number | null;
  readonly errorCode: string;
  readonly errorType: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;
  readonly timestamp: string | null;
  /** Shunya's request id (from its envelope). */
  readonly requestId: string | null;
  readonly ottoRequestId: string | null;
  readonly endpoint: string | null;

  constructor(init: ShunyaErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.httpStatus = init.httpStatus;
    this.errorCode = init.error_code;
    this.errorType = init.error_type;
    this.retryable = init.retryable;
    this.details = init.details;
    this.timestamp = init.timestamp;
    this.requestId = init.request_id;
    this.ottoRequestId = init.ottoRequestId;
    this.endpoint = init.endpoint ?? null;
  }
}

/** 401/403 (§5.2): never retried. */
export class ShunyaAuthenticationError extends ShunyaError {}

/** 429: retried after the longer of the scheduled delay and Retry-After. */
export class ShunyaRateLimitError extends ShunyaError {
  constructor(
    init: ShunyaErrorInit,
    /** From Retry-After or details.retry_after; null when Shunya gave none. */
    readonly retryAfterMs: number | null,
  ) {
    super(init);
  }
}

/** 5xx: retried when retryable (a 5xx without an envelope is retryable). */
export class ShunyaServerError extends ShunyaError {
  constructor(
    init: ShunyaErrorInit,
    /** Retry-After of a 503, when sent. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(init);
  }
}

/** Any other 4xx. Never retried by the client; `retryable` (e.g. 409 TRANSCRIPT_NOT_READY) is for the job layer. */
export class ShunyaClientError extends ShunyaError {}

/** A 2xx whose body says success: false; honours its retryable flag. */
export class ShunyaApiError extends ShunyaError {}

/** No response: connection refused/reset, DNS failure … Retryable. */
export class ShunyaNetworkError extends ShunyaError {}

/** No response within the timeout (30 s by default, §4.1). Retryable. */
export class ShunyaTimeoutError extends ShunyaError {}

/** The circuit breaker of this endpoint and tenant is open (§9.1): the call was not made. Retry later. */
export class ShunyaCircuitOpenError extends ShunyaError {
  constructor(
    init: ShunyaErrorInit,
    /** When the breaker will let a probe through. */
    readonly retryAfterMs: number,
  ) {
    super(init);
  }
}

/** A 2xx whose body is not JSON or lacks what the operation needs (e.g. no job id). Retryable later. */
export class ShunyaResponseError extends ShunyaError {}

/** The stored form of an error, e.g. a job's last error. Non-Shunya errors become OTTO_INTERNAL_ERROR. */
export function errorInfo(e: unknown): ShunyaErrorInfo {
  if (e instanceof ShunyaError) {
    return {
      error_code: e.errorCode,
      error_type: e.errorType,
      message: e.message,
      retryable: e.retryable,
      details: e.details,
      timestamp: e.timestamp,
      request_id: e.requestId,
    };
  }
  return {
    error_code: 'OTTO_INTERNAL_ERROR',
    error_type: 'internal_error',
    message: e instanceof Error ? e.message : String(e),
    retryable: false,
    details: {},
    timestamp: null,
    request_id: null,
  };
}

/** The fields of Otto's frontend error envelope for a Shunya failure (§5.2). */
export interface OttoErrorEnvelopeFields {
  error_code: 'SHUNYA_API_ERROR';
  error_type: 'external_service_error';
  message: string;
  retryable: boolean;
  details: { shunya_error_code: string; shunya_request_id: string | null; http_status: number | null };
}

/** §5.2: one mapping from any Shunya error to Otto's frontend envelope. Shunya's own message is not shown. */
export function toOttoErrorEnvelopeFields(e: ShunyaError): OttoErrorEnvelopeFields {
  return {
    error_code: 'SHUNYA_API_ERROR',
    error_type: 'external_service_error',
    message:
      e instanceof ShunyaCircuitOpenError
        ? 'Shunya is temporarily unavailable'
        : e instanceof ShunyaTimeoutError
          ? 'Shunya did not answer in time'
          : 'Shunya API request failed',
    retryable: e.retryable,
    details: { shunya_error_code: e.errorCode, shunya_request_id: e.requestId, http_status: e.httpStatus },
  };
}
