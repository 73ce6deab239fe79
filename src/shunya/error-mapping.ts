// The one place where what happened on the wire becomes a result or a typed Shunya error (§5.2, §9.2;
// decision D16). Any 2xx is a success (202 and 204 included) unless its body says success: false.
import {
  ShunyaApiError,
  ShunyaAuthenticationError,
  ShunyaClientError,
  type ShunyaError,
  type ShunyaErrorInit,
  ShunyaNetworkError,
  ShunyaRateLimitError,
  ShunyaResponseError,
  ShunyaServerError,
  ShunyaTimeoutError,
} from './errors.ts';
import { asRecord, get, num } from './normalize/coerce.ts';
import { normalizeError } from './normalize/error.ts';
import type { HeaderReader } from './transport.ts';

export type WireOutcome =
  | {
      kind: 'response';
      status: number;
      headers: HeaderReader /** text, parsed JSON, or undefined */;
      body: unknown;
    }
  | { kind: 'exception'; error: unknown; timedOut: boolean };

export interface MapContext {
  ottoRequestId: string;
  endpoint: string;
  now: () => number;
}

export type Classified = { ok: true; status: number; body: unknown } | { ok: false; error: ShunyaError };

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); details.retry_after (s) as fallback. */
export function retryAfterMs(
  headers: HeaderReader | null,
  details: Record<string, unknown>,
  now: number,
): number | null {
  const h = headers?.get('retry-after')?.trim();
  if (h) {
    if (/^\d+$/.test(h)) return Number(h) * 1000;
    const at = Date.parse(h);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const s = num(get(details, 'retry_after'));
  return s !== null && s >= 0 ? s * 1000 : null;
}

function parseBody(body: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof body !== 'string') return { ok: true, value: body };
  if (body.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

export function classifyOutcome(o: WireOutcome, ctx: MapContext): Classified {
  const base = { ottoRequestId: ctx.ottoRequestId, endpoint: ctx.endpoint };
  if (o.kind === 'exception') {
    const cause = o.error as { name?: string; message?: string; cause?: { code?: string } } | undefined;
    const init: ShunyaErrorInit = {
      ...base,
      httpStatus: null,
      error_code: o.timedOut ? 'SHUNYA_TIMEOUT' : 'SHUNYA_UNREACHABLE',
      error_type: o.timedOut ? 'timeout_error' : 'network_error',
      message: o.timedOut
        ? `Shunya did not answer ${ctx.endpoint} in time`
        : `Could not reach Shunya (${ctx.endpoint}): ${cause?.cause?.code ?? cause?.message ?? 'network error'}`,
      retryable: true,
      details: cause?.cause?.code ? { cause: cause.cause.code } : {},
      timestamp: null,
      request_id: null,
      cause: o.error,
    };
    return { ok: false, error: o.timedOut ? new ShunyaTimeoutError(init) : new ShunyaNetworkError(init) };
  }

  const { status, headers } = o;
  const parsed = parseBody(o.body);
  if (status >= 200 && status < 300) {
    if (!parsed.ok) {
      const info = normalizeError(o.body, status);
      return {
        ok: false,
        error: new ShunyaResponseError({
          ...base,
          ...info,
          httpStatus: status,
          error_code: 'INVALID_RESPONSE',
          error_type: 'server_error',
          message: `Shunya answered ${ctx.endpoint} with HTTP ${status} and a body that is not JSON`,
          retryable: true,
        }),
      };
    }
    if (get(asRecord(parsed.value), 'success') === false) {
      const info = normalizeError(parsed.value, status);
      return { ok: false, error: new ShunyaApiError({ ...base, ...info, httpStatus: status }) };
    }
    return { ok: true, status, body: parsed.value };
  }

  const info = normalizeError(parsed.ok ? parsed.value : o.body, status);
  const init: ShunyaErrorInit = { ...base, ...info, httpStatus: status };
  if (status === 401 || status === 403) return { ok: false, error: new ShunyaAuthenticationError(init) };
  if (status === 429) {
    return {
      ok: false,
      error: new ShunyaRateLimitError(init, retryAfterMs(headers, info.details, ctx.now())),
    };
  }
  if (status >= 500) {
    return { ok: false, error: new ShunyaServerError(init, retryAfterMs(headers, {}, ctx.now())) };
  }
  if (status >= 400) return { ok: false, error: new ShunyaClientError(init) };
  // 1xx/3xx reaching us (redirects are followed by fetch): nothing usable.
  return {
    ok: false,
    error: new ShunyaResponseError({ ...init, error_code: 'UNEXPECTED_STATUS', retryable: false }),
  };
}
