// The one place that turns errors into HTTP (§5.2 envelope). A client's mistake is a 4xx with a clear
// code; anything unexpected is logged with its stack and answered 500 without internals.
import type { Middleware } from 'koa';
import type { AppState } from '../context.ts';
import { envelope, HttpError, internalError, notFound } from '../errors.ts';

export function errorEnvelope(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound('Route');
    } catch (e) {
      const err = e instanceof HttpError ? e : internalError();
      if (!(e instanceof HttpError)) ctx.state.log.error({ err: e }, 'unhandled error');
      else if (err.status >= 500) ctx.state.log.warn({ code: err.code }, err.message);
      ctx.status = err.status;
      ctx.body = envelope(err, ctx.state.requestId);
    }
  };
}
