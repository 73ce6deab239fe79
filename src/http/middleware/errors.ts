// The one place that turns errors into HTTP (§5.2 envelope). A client's mistake is a 4xx with a clear
// code; an unreachable database is a 503 with Retry-After (nothing was written, a retry will do);
// anything else unexpected is logged with its stack and answered 500 without internals.
import type { Middleware } from 'koa';
import { isDatabaseUnavailable, isTransactionConflict } from '../../db/errors.ts';
import type { AppState } from '../context.ts';
import { envelope, HttpError, internalError, notFound, serviceUnavailable } from '../errors.ts';

/** Seconds a client is asked to wait when the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 5;

export function errorEnvelope(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound('Route');
    } catch (e) {
      let err: HttpError;
      if (e instanceof HttpError) {
        err = e;
        if (err.status >= 500) ctx.state.log.warn({ code: err.code }, err.message);
      } else if (isDatabaseUnavailable(e)) {
        err = serviceUnavailable('The database is unreachable; nothing was written. Retry shortly.');
        ctx.set('Retry-After', String(DATABASE_RETRY_AFTER_S));
        ctx.state.log.warn({ err: e }, 'database unavailable');
      } else if (isTransactionConflict(e)) {
        // still a deadlock victim after its retries (D44): nothing was written, a retry will do
        err = serviceUnavailable('The request met concurrent changes; nothing was written. Retry shortly.');
        ctx.set('Retry-After', '1');
        ctx.state.log.warn({ err: e }, 'transaction conflict after retries');
      } else {
        err = internalError();
        ctx.state.log.error({ err: e }, 'unhandled error');
      }
      ctx.status = err.status;
      ctx.body = envelope(err, ctx.state.requestId);
    }
  };
}
