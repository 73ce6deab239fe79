// X-Request-ID: echoed when the caller sent a sane one, otherwise a new UUID v4; on every response and
// in every log line of the request.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../logger.ts';
import { traceFields } from '../../tracing.ts';
import type { AppState } from '../context.ts';

const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(logger: Logger): Middleware<AppState> {
  return async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const id = SANE.test(given) ? given : randomUUID();
    ctx.state.requestId = id;
    // telemetry, outermost, has set the request's span: its lines carry trace_id and span_id (D360)
    ctx.state.log = logger.child({ request_id: id, ...traceFields(ctx.state.trace) });
    ctx.set('X-Request-ID', id);
    await next();
  };
}
