// One logical Shunya operation: attempts, retries (§4.1, §9.1), the circuit breaker and logging.
// Per attempt: a new JWT, X-UWC-Timestamp and X-Signature. Per operation: the same X-Request-ID and
// Idempotency-Key, and the same body bytes (serialised once by the caller).

import { type JwtSettings, mintJwt } from '../../wire/jwt.ts';
import { requestSignature } from '../../wire/signatures.ts';
import type { Logger } from '../logger.ts';
import {
  injectTraceHeaders,
  inSpan,
  inTrace,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TraceContext,
  traceFields,
} from '../tracing.ts';
import { BreakerFailure, type BreakerRegistry } from './breakers.ts';
import { isUncataloguedShunyaCode } from './catalogue.ts';
import { type Endpoint, endpointLabel, MUTATING } from './endpoints.ts';
import { classifyOutcome } from './error-mapping.ts';
import { ShunyaCircuitOpenError, type ShunyaError } from './errors.ts';
import { retryDelayMs } from './retry-policy.ts';
import type { HeaderReader } from './transport.ts';
import type { RequestOptions } from './types.ts';

/** Headers Otto sends (§4.5), split into the contract's header parameters and the rest. */
export interface AttemptHeaders {
  contract: {
    'X-Company-ID': string;
    'X-Request-ID': string;
    'X-UWC-Version': 'v1';
    'X-UWC-Timestamp': string;
    'X-Signature'?: string;
    'Idempotency-Key'?: string;
  };
  /** `traceparent` (and `tracestate`) when tracing: Shunya MAY continue the trace (D198) */
  other: { Authorization?: string; Accept: string; traceparent?: string; tracestate?: string };
}

/** An answer as the executor reads it: the body chosen by `answerBody` (transport.ts). */
export interface WireResponse {
  status: number;
  headers: HeaderReader;
  body: unknown;
}

export interface Operation {
  endpoint: Endpoint;
  /** null for the unauthenticated health check. */
  companyId: string | null;
  /** The exact body text that is sent, or undefined for none. */
  body?: string;
  opts: RequestOptions;
  send(headers: AttemptHeaders, signal: AbortSignal): Promise<WireResponse>;
}

export interface ExecutorSettings {
  jwt: JwtSettings;
  hmacSecret: string;
  version: string;
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  retryJitter: number;
  /** A Retry-After longer than this is left to the job layer instead of waited for in-process. */
  maxRetryAfterMs: number;
  breakers: BreakerRegistry;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  logger: Logger;
}

type Attempt =
  | { kind: 'ok'; status: number; body: unknown; shunyaRequestId: string | null }
  | { kind: 'error'; error: ShunyaError }
  | { kind: 'aborted'; reason: unknown };

export async function executeOperation(
  op: Operation,
  s: ExecutorSettings,
): Promise<{ status: number; body: unknown; shunyaRequestId: string | null }> {
  const endpoint = endpointLabel(op.endpoint);
  const tenant = op.companyId ?? '*';
  const log = s.logger.child({
    request_id: op.opts.requestId,
    company_id: op.companyId,
    endpoint,
    ...traceFields(op.opts.trace),
  });
  const started = s.now();
  for (let attempt = 1; ; attempt++) {
    if (op.opts.signal?.aborted) throw op.opts.signal.reason;
    log.debug({ attempt }, 'shunya request');
    const run = await s.breakers.run(endpoint, tenant, async () => {
      const a = await tracedAttempt(op, s, endpoint, attempt);
      if (a.kind === 'error' && a.error.meaning.countsAgainstBreaker) throw new BreakerFailure(a);
      return a;
    });
    if (run.kind === 'open') {
      log.warn({ attempt, retry_after_ms: run.retryAfterMs }, 'shunya circuit open');
      throw circuitOpen(op, endpoint, tenant, run.retryAfterMs);
    }
    const a = (run.kind === 'value' ? run.value : run.error) as Attempt;
    if (a.kind === 'aborted') throw a.reason;
    if (a.kind === 'ok') {
      log.info(
        { attempt, http_status: a.status, duration_ms: s.now() - started },
        'shunya request succeeded',
      );
      return { status: a.status, body: a.body, shunyaRequestId: a.shunyaRequestId };
    }
    const e = a.error;
    const fields = { attempt, http_status: e.httpStatus, error_code: e.errorCode, retryable: e.retryable };
    // Shunya answered with a code the contract does not list (D47): handled by `retryable`, flagged here.
    if (e.httpStatus !== null && isUncataloguedShunyaCode(e.errorCode))
      log.warn({ ...fields, uncatalogued: true }, 'uncatalogued Shunya error_code');
    // what the failure means was decided when the error was built (errors.ts)
    const retryAfter = e.meaning.retryAfterMs;
    if (!e.meaning.retryInProcess || attempt > s.retryDelaysMs.length) {
      log.warn({ ...fields, duration_ms: s.now() - started }, 'shunya request failed');
      throw e;
    }
    if (retryAfter !== null && retryAfter > s.maxRetryAfterMs) {
      log.warn({ ...fields, retry_after_ms: retryAfter }, 'shunya Retry-After too long to wait in-process');
      throw e;
    }
    // This failure may just have opened the breaker: then waiting to be refused is pointless.
    const openFor = s.breakers.openFor(endpoint, tenant);
    if (openFor !== null) {
      log.warn({ ...fields, retry_after_ms: openFor }, 'shunya circuit opened; not retrying');
      throw circuitOpen(op, endpoint, tenant, openFor, e);
    }
    const delay = retryDelayMs(attempt - 1, s.retryDelaysMs, s.retryJitter, s.random, retryAfter);
    log.warn({ ...fields, delay_ms: delay }, 'shunya request failed; retrying');
    await s.sleep(delay, op.opts.signal);
  }
}

function circuitOpen(
  op: Operation,
  endpoint: string,
  tenant: string,
  retryAfterMs: number,
  cause?: ShunyaError,
) {
  return new ShunyaCircuitOpenError(
    {
      httpStatus: null,
      error_code: 'CIRCUIT_OPEN',
      error_type: 'circuit_open',
      message: `Circuit breaker open for ${endpoint} (company ${tenant}); not calling Shunya`,
      retryable: true,
      details: { retry_after_ms: retryAfterMs, ...(cause ? { last_error_code: cause.errorCode } : {}) },
      timestamp: null,
      request_id: null,
      ottoRequestId: op.opts.requestId,
      endpoint,
      cause,
    },
    retryAfterMs,
  );
}

function headersFor(op: Operation, s: ExecutorSettings): AttemptHeaders {
  const now = s.now();
  const timestamp = new Date(now).toISOString();
  const contract: AttemptHeaders['contract'] = {
    'X-Company-ID': op.companyId ?? '',
    'X-Request-ID': op.opts.requestId,
    'X-UWC-Version': s.version as 'v1',
    'X-UWC-Timestamp': timestamp,
  };
  if (op.body !== undefined) contract['X-Signature'] = requestSignature(s.hmacSecret, timestamp, op.body);
  if (MUTATING.has(op.endpoint.method))
    contract['Idempotency-Key'] = op.opts.idempotencyKey ?? op.opts.requestId;
  const other: AttemptHeaders['other'] = { Accept: 'application/json' };
  if (op.companyId !== null) other.Authorization = `Bearer ${tokenFor(s.jwt, op.companyId, now)}`;
  return { contract, other };
}

/** Per settings, each tenant's token of the current second. */
const tokens = new WeakMap<JwtSettings, Map<string, { second: number; token: string }>>();

/**
 * The tenant's JWT for this attempt. A token is a pure function of the settings, the tenant and the second
 * (`iat`), so the one minted earlier in the same second is byte for byte the token minting again would
 * give: kept instead of signed again (D551). A tenant's entry is replaced when the second moves on.
 */
export function tokenFor(jwt: JwtSettings, companyId: string, nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  let byTenant = tokens.get(jwt);
  if (byTenant === undefined) {
    byTenant = new Map();
    tokens.set(jwt, byTenant);
  }
  const kept = byTenant.get(companyId);
  if (kept?.second === second) return kept.token;
  const token = mintJwt(jwt, companyId, nowMs);
  byTenant.set(companyId, { second, token });
  return token;
}

/** Each attempt is a client span of its own (a retry is a new span), in the trace of the work that asks (D197). */
function tracedAttempt(op: Operation, s: ExecutorSettings, endpoint: string, attempt: number) {
  if (!inTrace(op.opts.trace)) return attemptOnce(op, s, endpoint);
  const attributes = {
    'http.request.method': op.endpoint.method,
    'url.template': op.endpoint.path,
    'http.request.resend_count': attempt - 1,
    'otto.attempt': attempt,
    'otto.request_id': op.opts.requestId,
    ...(op.companyId ? { 'otto.company_id': op.companyId } : {}),
  };
  const options = { kind: SpanKind.CLIENT, attributes, parent: op.opts.trace };
  return inSpan(endpoint, options, async (span, trace) => {
    const a = await attemptOnce(op, s, endpoint, span, trace);
    describeAttempt(span, a);
    return a;
  });
}

function describeAttempt(span: Span, a: Attempt): void {
  if (a.kind === 'ok') span.setAttribute('http.response.status_code', a.status);
  if (a.kind !== 'error') return;
  const e = a.error;
  if (e.httpStatus !== null) span.setAttribute('http.response.status_code', e.httpStatus);
  if (e.requestId) span.setAttribute('shunya.request_id', e.requestId);
  span.setAttributes({
    'error.type': e.httpStatus !== null ? String(e.httpStatus) : e.errorCode,
    'shunya.error_code': e.errorCode,
  });
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

async function attemptOnce(
  op: Operation,
  s: ExecutorSettings,
  endpoint: string,
  span?: Span,
  trace?: TraceContext,
): Promise<Attempt> {
  const ctx = { ottoRequestId: op.opts.requestId, endpoint, now: s.now };
  const headers = headersFor(op, s);
  injectTraceHeaders(trace, headers.other);
  const timeout = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    timeout.abort(new DOMException(`Shunya did not answer within ${s.timeoutMs} ms`, 'TimeoutError'));
  }, s.timeoutMs);
  const signal = op.opts.signal ? AbortSignal.any([op.opts.signal, timeout.signal]) : timeout.signal;
  try {
    const response = await op.send(headers, signal);
    const shunyaRequestId = response.headers.get('x-request-id');
    if (span && shunyaRequestId) span.setAttribute('shunya.request_id', shunyaRequestId);
    const c = classifyOutcome({ kind: 'response', ...response }, ctx);
    // Shunya's X-Request-ID of a success is kept with what the answer said (a poll's answer, D382)
    return c.ok
      ? { kind: 'ok', status: c.status, body: c.body, shunyaRequestId }
      : { kind: 'error', error: c.error };
  } catch (err) {
    if (op.opts.signal?.aborted) return { kind: 'aborted', reason: op.opts.signal.reason };
    const c = classifyOutcome({ kind: 'exception', error: err, timedOut }, ctx);
    return c.ok
      ? { kind: 'ok', status: c.status, body: c.body, shunyaRequestId: null }
      : { kind: 'error', error: c.error };
  } finally {
    clearTimeout(timer);
  }
}
