// How every Shunya operation is handled, in order: counters → faults (which may answer instead, or
// break the answer) → error envelope → body → authentication → rate limit → idempotency → version →
// handler (the contract's x-implementation.check_order, D179).
// A handler reads like the contract: it parses, calls the lifecycle, and sets status and body.
import type { Middleware, ParameterizedContext } from 'koa';
import getRawBody from 'raw-body';
import type { z } from 'zod';
import { authenticate } from '../auth.ts';
import { errors, SimError } from '../errors.ts';
import { faultMiddleware } from '../faults/http.ts';
import type { HttpOperation } from '../faults/rules.ts';
import { JsonText } from '../jobs/results.ts';
import type { Simulator } from '../simulator.ts';

export interface SimContextState {
  requestId: string;
  companyId: string;
  rawBody?: Buffer;
}
export type SimContext = ParameterizedContext<SimContextState>;

const GROUP: Partial<Record<HttpOperation, string>> = {
  transcribe: 'transcription',
  transcription_status: 'transcription',
  transcript: 'transcription',
  analysis_start: 'analysis',
  analysis_status: 'analysis',
  analysis_complete: 'analysis',
  segmentation_analyze: 'segmentation',
  segmentation_status: 'segmentation',
  segmentation_analysis: 'segmentation',
};

export const tagsOf = (op: HttpOperation): string[] => [op, ...(GROUP[op] ? [GROUP[op]] : []), 'http'];

/** Every 4xx/5xx is the contract's ErrorEnvelope (§5.1). */
export function errorEnvelope(sim: Simulator): Middleware<SimContextState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const e = err instanceof SimError ? err : errors.internal({ component: 'simulator' });
      if (!(err instanceof SimError)) sim.logger.error({ err, path: ctx.path }, 'unexpected error');
      ctx.status = e.status;
      for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
      ctx.body = deviateError(
        sim,
        ctx.state.companyId ?? ctx.get('x-company-id'),
        e,
        sim.clock.nowIso(),
        ctx.state.requestId,
      );
    }
  };
}

/** The error's body, as the envelope or as one of the error deviations of deviations.ts. */
function deviateError(sim: Simulator, company: string, e: SimError, now: string, requestId: string): unknown {
  if (sim.deviates(company, 'errors_without_envelope')) return { detail: e.message };
  const body = e.toEnvelope(now, sim.deviates(company, 'request_id_not_in_errors') ? null : requestId);
  if (sim.deviates(company, 'retryable_inverted')) body.error.retryable = !body.error.retryable;
  if (sim.deviates(company, 'error_type_wrong')) body.error.error_type = 'client_error';
  if (sim.deviates(company, 'uncatalogued_error_codes'))
    return { ...body, error: { ...body.error, error_code: `SHUNYA_${body.error.error_code}` } };
  return body;
}

const readBody: Middleware<SimContextState> = async (ctx, next) => {
  if (ctx.method === 'POST' && (ctx.get('content-length') || ctx.get('transfer-encoding'))) {
    try {
      ctx.state.rawBody = await getRawBody(ctx.req, { limit: '1mb' });
    } catch (err) {
      throw errors.badRequest('The request body could not be read', { reason: (err as Error).message });
    }
  }
  await next();
};

function rateLimit(sim: Simulator): Middleware<SimContextState> {
  return async (ctx, next) => {
    const limit = sim.effective(ctx.state.companyId).requests_per_minute;
    if (limit !== null) {
      const retryAfter = sim.rateLimiter.hit(ctx.state.companyId, limit);
      if (retryAfter !== null) {
        sim.stats.inc('rate_limited.requests');
        throw errors.rateLimited(retryAfter, { limit, window: '1 minute' });
      }
    }
    await next();
  };
}

function count(sim: Simulator, op: HttpOperation): Middleware<SimContextState> {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      sim.stats.inc(`http.${op}.${ctx.respond === false ? 'no_response' : ctx.status}`);
    }
  };
}

/** The JSON body, validated by `schema`; 400 VALIDATION_ERROR otherwise. */
export function parseBody<T>(ctx: SimContext, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(ctx.state.rawBody?.toString('utf8') ?? '');
  } catch {
    throw errors.badRequest('The request body is not valid JSON', { expected: 'application/json' });
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join('.') || '(body)';
    throw errors.validation(`Invalid value for field '${field}': ${issue.message}`, {
      field,
      reason: issue.message,
    });
  }
  return r.data;
}

/**
 * A finished result as the GET's body: a result serialised already (JsonText, D590) goes out as its text
 * with the type Koa gives a JSON body, so the answer's bytes and headers are what Koa's own
 * JSON.stringify gave.
 */
export function answerResult(ctx: SimContext, result: unknown): void {
  if (result instanceof JsonText) {
    ctx.type = 'application/json';
    ctx.body = result.text;
  } else ctx.body = result;
}

/** Path `call_id`: a positive integer; anything else names no call (404, as the GETs declare no 400). */
export function pathCallId(ctx: SimContext): number {
  const raw = (ctx as unknown as { params: Record<string, string> }).params.call_id ?? '';
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n < 1)
    throw errors.callNotFound(raw, ctx.state.companyId);
  return n;
}

/** X-UWC-Version: absent is v1; any other value is a header that fails validation (D182). */
const checkVersion: Middleware<SimContextState> = async (ctx, next) => {
  const v = ctx.get('x-uwc-version');
  if (v && v !== 'v1')
    throw errors.validation(`X-UWC-Version "${v}" is not supported; use v1`, {
      field: 'X-UWC-Version',
      supported: ['v1'],
    });
  await next();
};

export function operation(
  sim: Simulator,
  op: HttpOperation,
  opts: { public?: boolean; idempotent?: boolean },
  handler: (ctx: SimContext) => void | Promise<void>,
): Middleware<SimContextState>[] {
  const chain: Middleware<SimContextState>[] = [
    count(sim, op),
    faultMiddleware(sim, tagsOf(op)),
    errorEnvelope(sim),
  ];
  if (!opts.public) chain.push(readBody, authenticate(sim), rateLimit(sim));
  if (opts.idempotent)
    chain.push(
      sim.idempotency.middleware(
        (c) => sim.deviates(c, 'idempotency_ignored'),
        (c) => sim.deviates(c, 'idempotency_conflict_ignored'),
      ),
    );
  if (!opts.public) chain.push(checkVersion);
  chain.push(async (ctx) => {
    await handler(ctx);
  });
  return chain;
}
