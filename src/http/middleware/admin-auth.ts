// Operations routes take the operator token OTTO_ADMIN_TOKEN as a bearer token.
import type { Middleware } from 'koa';
import { safeEqual } from '../../util/crypto.ts';
import type { AppState } from '../context.ts';
import { unauthorized } from '../errors.ts';

export function adminAuth(token: string): Middleware<AppState> {
  return async (ctx, next) => {
    const m = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
    if (!m?.[1] || !safeEqual(m[1], token))
      throw unauthorized('UNAUTHORIZED', 'A valid admin token is required');
    await next();
  };
}
