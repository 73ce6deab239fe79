// Every request's server span (when tracing is on, D197) and its duration in the OpenTelemetry HTTP
// semantic conventions (http.server.request.duration, D199): method, route template, status, error.type.
// Outermost, so the status is the one answered and every log line of the request carries the trace.
import { type Link, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Middleware } from 'koa';
import type { Metrics } from '../../metrics.ts';
import { inSpan, SpanKind, tracingOn } from '../../tracing.ts';
import type { AppState } from '../context.ts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Probes, scrapes, the console's files and long-lived event streams make no trace of their own. */
const UNTRACED = /^\/(health|ready|metrics|console(\/|$)|api\/v1\/events$|api\/v1\/ops\/events)/;

export const httpMethodOf = (m: string) => (KNOWN_METHODS.has(m.toUpperCase()) ? m.toUpperCase() : '_OTHER');

export function telemetry(metrics?: Metrics): Middleware<AppState> {
  return async (ctx, next) => {
    const started = performance.now();
    const method = httpMethodOf(ctx.method);
    let errorType: string | undefined;
    const handle = async () => {
      try {
        await next();
      } catch (e) {
        errorType = (e as Error).name || 'Error';
        throw e;
      }
    };
    try {
      if (!tracingOn() || UNTRACED.test(ctx.path)) await handle();
      else await traced(ctx, method, handle);
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute;
      const status = ctx.status;
      if (status >= 500) errorType ??= String(status);
      metrics?.httpServerDuration.observe(
        {
          http_request_method: method,
          http_response_status_code: String(status),
          ...(route ? { http_route: route } : {}),
          ...(errorType ? { error_type: errorType } : {}),
        },
        (performance.now() - started) / 1000,
      );
    }
  };
}

type Ctx = Parameters<Middleware<AppState>>[0];

/** A caller's span context (its `traceparent`), to link to: never continued (D281). */
function callerLinks(ctx: Ctx): Link[] {
  if (ctx.headers.traceparent === undefined) return [];
  const caller = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, ctx.headers));
  return caller && trace.isSpanContextValid(caller) ? [{ context: caller }] : [];
}

async function traced(ctx: Ctx, method: string, handle: () => Promise<void>): Promise<void> {
  // every request starts a trace of its own and only links a caller's: the span starts before any
  // authentication, and a continued traceparent would let any client choose the trace id and the sampling
  // decision of Otto's work (D281)
  const options = { kind: SpanKind.SERVER, parent: ROOT_CONTEXT, links: callerLinks(ctx) };
  await inSpan(method, options, async (span, trace) => {
    // handed down explicitly: the request's log lines, the job it creates, admission, a webhook's link (D360)
    ctx.state.trace = trace;
    await handle();
    const route = (ctx as { _matchedRoute?: string })._matchedRoute;
    if (route) span.updateName(`${method} ${route}`);
    span.setAttributes({
      'http.request.method': method,
      'url.path': ctx.path,
      'http.response.status_code': ctx.status,
      ...(route ? { 'http.route': route } : {}),
      ...(ctx.state.requestId ? { 'otto.request_id': ctx.state.requestId } : {}),
    });
    if (ctx.status >= 500) span.setAttribute('error.type', String(ctx.status));
  });
}
