// Otto's one error model (§5.2). Handlers and middleware throw HttpError; one middleware
// (middleware/errors.ts) turns it into the contract's envelope. Codes are stable and never derived
// from messages.
import type { ErrorEnvelope, ErrorType, WebhookVerdict } from '../../generated/otto/types.gen.ts';

export type { ErrorEnvelope, ErrorType };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly type: ErrorType,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new HttpError(400, code, 'client_error', message, details);
export const validationFailed = (issues: { path: string; message: string }[]) =>
  new HttpError(400, 'VALIDATION_ERROR', 'validation_error', 'Request validation failed', { issues });
export const unauthorized = (code: string, message: string) =>
  new HttpError(401, code, 'authentication_error', message);
export const forbidden = (code: string, message: string) =>
  new HttpError(403, code, 'authorization_error', message);
/** A trigger for a tenant an operator disabled (D263): refused, whoever sends it. */
export const tenantDisabled = () =>
  new HttpError(
    403,
    'TENANT_DISABLED',
    'authorization_error',
    'This tenant is disabled; its calls are not accepted',
  );
export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', 'not_found', `${what} not found`);
export const conflict = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new HttpError(409, code, 'conflict', message, details);
export const payloadTooLarge = (limit: number) =>
  new HttpError(413, 'PAYLOAD_TOO_LARGE', 'client_error', `Request body exceeds ${limit} bytes`, {
    limit_bytes: limit,
  });
export const unsupportedMediaType = () =>
  new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'client_error', 'Content-Type must be application/json');
export const unprocessable = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new HttpError(422, code, 'validation_error', message, details);
export const serviceUnavailable = (message = 'Service unavailable') =>
  new HttpError(503, 'SERVICE_UNAVAILABLE', 'server_error', message, {}, true);

export function envelope(err: HttpError, requestId: string, now = new Date()): ErrorEnvelope {
  return {
    success: false,
    error: {
      error_code: err.code,
      error_type: err.type,
      message: err.message,
      retryable: err.retryable,
      details: err.details,
      timestamp: now.toISOString(),
      request_id: requestId,
    },
  };
}

export const internalError = () =>
  new HttpError(500, 'INTERNAL_ERROR', 'server_error', 'Internal error', {}, true);

/** How the webhook receiver refuses each verdict that is not an acceptance (§8; D239). */
const WEBHOOK_REFUSALS: Partial<Record<WebhookVerdict, readonly [number, ErrorType]>> = {
  missing_headers: [401, 'authentication_error'],
  bad_signature: [401, 'authentication_error'],
  stale_timestamp: [401, 'authentication_error'],
  invalid_json: [400, 'client_error'],
  missing_company_id: [400, 'client_error'],
  invalid_payload: [400, 'client_error'],
  unknown_job: [404, 'not_found'],
  company_mismatch: [403, 'authorization_error'],
};

/** The HTTP status a webhook verdict is answered with: 200 for an acceptance. */
export const webhookStatus = (verdict: WebhookVerdict): number =>
  verdict === 'error' ? 500 : (WEBHOOK_REFUSALS[verdict]?.[0] ?? 200);

/** The error a refused webhook delivery is answered with (the one envelope); null when it was accepted. */
export function webhookError(a: {
  verdict: WebhookVerdict;
  error?: { code: string; message: string };
}): HttpError | null {
  if (a.verdict === 'error') return internalError();
  const refusal = WEBHOOK_REFUSALS[a.verdict];
  if (!refusal) return null;
  const [status, type] = refusal;
  return new HttpError(status, a.error?.code ?? 'BAD_REQUEST', type, a.error?.message ?? 'Rejected');
}
