// Shunya errors from any envelope (§5.1; decisions D6 and D19): the canonical one, the legacy one
// ({code, type, message, requestId}, nested or flat), minimal ones ({detail}, {message}, {error: "…"}),
// FastAPI's 422 ({detail: [{loc, msg, type}]}) and bodies that are not JSON at all (a proxy's HTML page).
import type { ShunyaErrorInfo } from '../types.ts';
import { asRecord, bool, firstPresent, get, isRecord, type Rec, str, text, token } from './coerce.ts';

/** D6: Shunya's extra error types read as the handoff's four. */
const TYPE_ALIASES: Record<string, string> = {
  client_error: 'client_error',
  server_error: 'server_error',
  rate_limit_error: 'rate_limit_error',
  authentication_error: 'authentication_error',
  validation_error: 'client_error',
  processing_error: 'server_error',
  not_found: 'client_error',
  authorization_error: 'authentication_error',
  rate_limit: 'rate_limit_error',
};

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'VALIDATION_ERROR',
  429: 'RATE_LIMIT_EXCEEDED',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

export function defaultErrorCode(status?: number): string {
  if (status === undefined) return 'UNKNOWN_ERROR';
  return (
    CODE_BY_STATUS[status] ??
    (status >= 500 ? 'SERVER_ERROR' : status >= 400 ? 'CLIENT_ERROR' : 'UNKNOWN_ERROR')
  );
}

export function defaultErrorType(status?: number): string {
  if (status === undefined) return 'unknown';
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'unknown';
}

/** retryable when Shunya did not say: 5xx and 429 yes, everything else no (§5.1, §9.2). */
export function defaultRetryable(status: number | undefined, errorType: string): boolean {
  if (status !== undefined && status >= 200) return status >= 500 || status === 429;
  return errorType === 'server_error' || errorType === 'rate_limit_error';
}

/** The handoff's and Shunya's error types, canonical (D6); an unknown type falls back to the status's. */
export function canonicalErrorType(v: unknown, status?: number): string {
  return TYPE_ALIASES[token(v) ?? ''] ?? defaultErrorType(status);
}

function errorCode(v: unknown, status?: number): string {
  // UPPER_SNAKE_CASE (D6); a numeric legacy code is an HTTP status, not a code.
  if (typeof v !== 'string') return defaultErrorCode(status);
  const c = v
    .trim()
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return /^[A-Z]/.test(c) ? c : defaultErrorCode(status);
}

const MAX_MESSAGE = 500;
const clip = (s: string) => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s);

/** A readable one-line excerpt of a non-JSON body: an HTML page's <title>, else its text without tags. */
function excerpt(body: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
  const plain = (title ?? body.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
}

function fastApiMessage(items: unknown[]): string {
  const parts = items.map((d) => {
    const r = asRecord(d);
    const loc = Array.isArray(get(r, 'loc'))
      ? (get(r, 'loc') as unknown[]).map((x) => str(x) ?? '?').join('.')
      : null;
    const msg = text(get(r, 'msg')) ?? text(d) ?? 'invalid';
    return loc ? `${loc}: ${msg}` : msg;
  });
  return parts.join('; ') || 'Validation failed';
}

function build(e: Rec, root: Rec, status: number | undefined, fallbackMessage: string): ShunyaErrorInfo {
  const error_type = canonicalErrorType(firstPresent(e, ['error_type', 'type'])?.value, status);
  const explicit = bool(get(e, 'retryable'));
  const detailsRaw = get(e, 'details');
  const details: Record<string, unknown> = isRecord(detailsRaw)
    ? detailsRaw
    : detailsRaw === undefined || detailsRaw === null
      ? {}
      : { details: detailsRaw };
  const detail = get(e, 'detail');
  let message = text(firstPresent(e, ['message', 'msg', 'error_message'])?.value);
  if (message === null && typeof detail === 'string') message = text(detail);
  if (message === null && Array.isArray(detail)) message = fastApiMessage(detail);
  return {
    error_code: errorCode(firstPresent(e, ['error_code', 'code'])?.value, status),
    error_type,
    message: clip(message ?? fallbackMessage),
    retryable: explicit ?? defaultRetryable(status, error_type),
    details,
    timestamp: text(get(e, 'timestamp')) ?? text(get(root, 'timestamp')),
    request_id:
      text(firstPresent(e, ['request_id', 'requestId'])?.value) ??
      text(firstPresent(root, ['request_id', 'requestId'])?.value),
  };
}

/** Never throws. `httpStatus` fills in what the body does not say. */
export function normalizeError(body: unknown, httpStatus?: number): ShunyaErrorInfo {
  const status = typeof httpStatus === 'number' && Number.isInteger(httpStatus) ? httpStatus : undefined;
  const fallback = status === undefined ? 'Unknown error' : `Shunya answered HTTP ${status}`;
  if (typeof body === 'string') {
    const trimmed = body.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return normalizeError(JSON.parse(trimmed), status);
      } catch {
        // not JSON after all: fall through to the text case
      }
    }
    const info = build({}, {}, status, fallback);
    const ex = excerpt(body);
    // Without a status it is a bare message (e.g. a webhook's `error: "…"`); with one, a non-JSON HTTP body.
    if (status === undefined) return { ...info, message: ex || fallback };
    return { ...info, message: ex ? `${fallback}: ${ex}` : fallback, details: { non_json_body: true } };
  }
  let root = asRecord(body);
  if (!root) {
    // [] or a number or null: nothing to read.
    return build({}, {}, status, fallback);
  }
  // A webhook whose `error` is itself a whole envelope: unwrap it, as often as it is wrapped (in a loop,
  // so that no depth overflows the stack).
  for (;;) {
    const e = get(root, 'error');
    if (!isRecord(e) || !isRecord(get(e, 'error')) || firstPresent(e, ['error_code', 'code'])) break;
    root = e;
  }
  const inner = get(root, 'error');
  if (isRecord(inner)) {
    // A canonical/legacy envelope.
    return build(inner, root, status, fallback);
  }
  if (typeof inner === 'string') {
    // {error: "Not Found"}: the string is the message; a code may sit beside it.
    return build({ ...root, message: get(root, 'message') ?? inner }, root, status, fallback);
  }
  if (Array.isArray(get(root, 'detail'))) {
    const info = build(root, root, status ?? 422, fallback);
    return {
      ...info,
      error_code: firstPresent(root, ['error_code', 'code']) ? info.error_code : 'VALIDATION_ERROR',
      error_type: firstPresent(root, ['error_type', 'type']) ? info.error_type : 'client_error',
      details: { ...info.details, errors: get(root, 'detail') },
    };
  }
  return build(root, root, status, fallback);
}
