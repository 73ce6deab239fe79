// Otto's typed Shunya errors (§5). One class per way a call can fail; every one carries what §5.1's
// envelope says (or what Otto inferred), Shunya's request id and Otto's X-Request-ID, and what it MEANS:
// its ErrorMeaning, decided here, once, when the error is built, from one table (MEANING, below; D16,
// D35, D96). The client and the job layer read that decision; nobody classifies an error by its class
// again. The mapping from a response or an exception to these classes is in one function: classifyOutcome
// (error-mapping.ts).
import type { ErrorMeaning, ShunyaErrorInfo } from './types.ts';

export interface ShunyaErrorInit extends ShunyaErrorInfo {
  httpStatus: number | null;
  /** Otto's X-Request-ID of the logical operation. */
  ottoRequestId: string | null;
  /** `METHOD /path/template`. */
  endpoint?: string | null;
  cause?: unknown;
}

export type ShunyaErrorKind =
  | 'authentication'
  | 'rate_limit'
  | 'server'
  | 'client'
  | 'api'
  | 'network'
  | 'timeout'
  | 'circuit_open'
  | 'response';

/**
 * What each kind of failure means (§9.1, §9.2; the table of D16). `retryable` is the envelope's flag (or
 * Otto's inference); `retryAfterMs` what Shunya's Retry-After or the breaker said.
 */
const MEANING: Record<ShunyaErrorKind, (retryable: boolean, retryAfterMs: number | null) => ErrorMeaning> = {
  // 401/403: never retried, fail the job
  authentication: () => meaning('permanent', false, false, null),
  // 429: an answer (the breaker's count resets), retried in process; for the job layer, flow control
  rate_limit: (_r, after) => meaning('later', true, false, after),
  // 5xx: Shunya unwell; retried when retryable (no envelope or no flag: retryable)
  server: (r, after) => meaning(r ? 'transient' : 'permanent', r, true, after),
  // other 4xx (409 TRANSCRIPT_NOT_READY included): waiting is the job layer's business, never in process
  client: (r) => meaning(r ? 'transient' : 'permanent', false, false, null),
  // a 2xx with success: false: honours its flag
  api: (r) => meaning(r ? 'transient' : 'permanent', r, false, null),
  // no answer: unreachable, or no answer in time
  network: () => meaning('transient', true, true, null),
  timeout: () => meaning('transient', true, true, null),
  // the breaker refused the call (fetch was not called): flow control, after its cooldown
  circuit_open: (_r, after) => meaning('later', false, false, after),
  // a 2xx Otto cannot use (not JSON, no job id) or a 1xx/3xx: the same request gets the same answer, but a
  // later attempt of the job may not
  response: () => ({ ...meaning('transient', false, false, null), unreadable: true }),
};

function meaning(
  disposition: ErrorMeaning['disposition'],
  retryInProcess: boolean,
  countsAgainstBreaker: boolean,
  retryAfterMs: number | null,
): ErrorMeaning {
  return { disposition, retryInProcess, countsAgainstBreaker, retryAfterMs, unreadable: false };
}

export class ShunyaError extends Error {
  readonly kind: ShunyaErrorKind;
  readonly meaning: ErrorMeaning;
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
  /** From Retry-After, details.retry_after, or the breaker's cooldown; null when nobody said. */
  readonly retryAfterMs: number | null;

  constructor(kind: ShunyaErrorKind, init: ShunyaErrorInit, retryAfterMs: number | null = null) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.meaning = MEANING[kind](init.retryable, retryAfterMs);
    this.httpStatus = init.httpStatus;
    this.errorCode = init.error_code;
    this.errorType = init.error_type;
    this.retryable = init.retryable;
    this.details = init.details;
    this.timestamp = init.timestamp;
    this.requestId = init.request_id;
    this.ottoRequestId = init.ottoRequestId;
    this.endpoint = init.endpoint ?? null;
    this.retryAfterMs = retryAfterMs;
  }
}

/** 401/403 (§5.2): never retried. */
export class ShunyaAuthenticationError extends ShunyaError {
  constructor(init: ShunyaErrorInit) {
    super('authentication', init);
  }
}

/** 429: retried after the longer of the scheduled delay and Retry-After (`retryAfterMs`, null when none). */
export class ShunyaRateLimitError extends ShunyaError {
  constructor(init: ShunyaErrorInit, retryAfterMs: number | null) {
    super('rate_limit', init, retryAfterMs);
  }
}

/** 5xx: retried when retryable (a 5xx without an envelope is retryable); `retryAfterMs` from a 503's Retry-After. */
export class ShunyaServerError extends ShunyaError {
  constructor(init: ShunyaErrorInit, retryAfterMs: number | null = null) {
    super('server', init, retryAfterMs);
  }
}

/** Any other 4xx. Never retried by the client; `retryable` (e.g. 409 TRANSCRIPT_NOT_READY) is for the job layer. */
export class ShunyaClientError extends ShunyaError {
  constructor(init: ShunyaErrorInit) {
    super('client', init);
  }
}

/** A 2xx whose body says success: false; honours its retryable flag. */
export class ShunyaApiError extends ShunyaError {
  constructor(init: ShunyaErrorInit) {
    super('api', init);
  }
}

/** No response: connection refused/reset, DNS failure … Retryable. */
export class ShunyaNetworkError extends ShunyaError {
  constructor(init: ShunyaErrorInit) {
    super('network', init);
  }
}

/** No response within the timeout (30 s by default, §4.1). Retryable. */
export class ShunyaTimeoutError extends ShunyaError {
  constructor(init: ShunyaErrorInit) {
    super('timeout', init);
  }
}

/** The circuit breaker of this endpoint and tenant is open (§9.1): the call was not made. Retry later. */
export class ShunyaCircuitOpenError extends ShunyaError {
  /** `retryAfterMs`: when the breaker will let a probe through. */
  constructor(init: ShunyaErrorInit, retryAfterMs: number) {
    super('circuit_open', init, retryAfterMs);
  }
}

/** A 2xx whose body is not JSON or lacks what the operation needs (e.g. no job id), or a 1xx/3xx. */
export class ShunyaResponseError extends ShunyaError {
  constructor(init: ShunyaErrorInit) {
    super('response', init);
  }
}

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

/** What the frontend is told, by kind; Shunya's own message is never shown to users. */
const FRONTEND_MESSAGE: Partial<Record<ShunyaErrorKind, string>> = {
  circuit_open: 'Shunya is temporarily unavailable',
  timeout: 'Shunya did not answer in time',
};

/** §5.2: one mapping from any Shunya error to Otto's frontend envelope. */
export function toOttoErrorEnvelopeFields(e: ShunyaError): OttoErrorEnvelopeFields {
  return {
    error_code: 'SHUNYA_API_ERROR',
    error_type: 'external_service_error',
    message: FRONTEND_MESSAGE[e.kind] ?? 'Shunya API request failed',
    retryable: e.retryable,
    details: { shunya_error_code: e.errorCode, shunya_request_id: e.requestId, http_status: e.httpStatus },
  };
}
