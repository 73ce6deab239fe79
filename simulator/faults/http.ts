// Request faults, applied around an operation: extra latency (real milliseconds: it is what Otto's
// HTTP client and its timeouts see), then at most one of: a 5xx envelope (retryable or not), a 429 with
// Retry-After, a request held open until the client gives up, a reset connection, a 200 whose JSON is
// cut short, or a 200 carrying a success:false envelope. `phase: after` lets the handler run first,
// so the job exists but its answer is lost or broken (what Idempotency-Key retries are for).
import type { Middleware } from 'koa';
import { errors, type SimError } from '../errors.ts';
import { gaussian } from '../jobs/latency.ts';
import type { SimContextState } from '../routes/pipeline.ts';
import type { Simulator } from '../simulator.ts';
import { type Delay, type FaultKind, type FaultRule, isRequestFault } from './rules.ts';

/** The catalogued code of an injected 5xx whose rule names none (x-error-catalogue, D47). */
const defaultCode = (status: 500 | 503, retryable: boolean) =>
  status === 503 ? 'SERVICE_UNAVAILABLE' : retryable ? 'INTERNAL_ERROR' : 'PERMANENT_FAILURE';

export function sampleDelay(d: Delay, random: () => number): number {
  switch (d.model) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return d.min_ms + random() * Math.max(0, d.max_ms - d.min_ms);
    case 'lognormal': {
      const v = d.median_ms * Math.exp(d.sigma * gaussian(random));
      return d.max_ms === undefined ? v : Math.min(v, d.max_ms);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const terminalGroup = (k: FaultKind) => (k === 'latency' ? undefined : 'terminal');

function errorFor(rule: FaultRule): SimError {
  const p = rule.params;
  if (rule.kind === 'rate_limit')
    return errors.rateLimited(p.retry_after_s ?? 30, { limit: 0, window: 'fault injection' });
  const status = p.status ?? 500;
  const retryable = p.retryable ?? true;
  const e = errors.injected(
    status,
    p.error_code ?? defaultCode(status, retryable),
    p.message ??
      (status === 503 ? 'Service temporarily unavailable' : 'Processing failed due to internal error'),
    retryable,
    { fault: rule.label ?? rule.id },
  );
  if (p.retry_after_s !== undefined) e.headers['retry-after'] = String(p.retry_after_s);
  return e;
}

export function faultMiddleware(sim: Simulator, tags: string[]): Middleware<SimContextState> {
  return async (ctx, next) => {
    const fired = sim.faults.select(
      { companyId: ctx.get('x-company-id') || undefined, tags },
      isRequestFault,
      terminalGroup,
    );
    if (fired.length === 0) return next();
    for (const r of fired)
      if (r.kind === 'latency')
        await sleep(sampleDelay(r.params.delay ?? { model: 'fixed', ms: 1000 }, sim.random));
    const rule = fired.find((r) => r.kind !== 'latency');
    if (!rule) return next();
    const after = (rule.params.phase ?? (rule.kind === 'malformed_json' ? 'after' : 'before')) === 'after';
    // errorEnvelope sits inside this middleware, so next() answers rather than throws.
    if (after) await next();
    const now = sim.clock.nowIso();
    switch (rule.kind) {
      case 'error':
      case 'rate_limit': {
        const e = errorFor(rule);
        ctx.status = e.status;
        for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
        ctx.body = e.toEnvelope(now, ctx.state.requestId);
        return;
      }
      case 'success_false':
        ctx.status = 200;
        ctx.body = errors.internal().toEnvelope(now, ctx.state.requestId);
        return;
      case 'malformed_json': {
        // a result the GET answered as JSON text already (D590) is that text, not a string to quote
        const text =
          after && typeof ctx.body === 'string' && ctx.response.is('json')
            ? ctx.body
            : JSON.stringify(after && ctx.body !== undefined ? ctx.body : { success: true, message: 'ok' });
        ctx.status = 200;
        ctx.type = 'application/json';
        ctx.body = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
        return;
      }
      case 'reset': {
        ctx.respond = false;
        const socket = ctx.req.socket;
        if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      case 'hang': {
        ctx.respond = false;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            sim.hanging.delete(done);
            resolve();
          };
          const timer = setTimeout(done, rule.params.max_ms ?? 120_000);
          sim.hanging.add(done);
          ctx.req.socket.once('close', done);
        });
        ctx.req.socket.destroy();
        return;
      }
    }
  };
}
