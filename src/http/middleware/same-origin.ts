// Cross-site requests (issue 16, #2; D126). A browser attaches no bearer token on its own, so a request
// that carries none and changes something can act only through the development no-login rule (D118):
// any page the developer has open could post to it. Browsers say where a request comes from (Origin,
// Sec-Fetch-Site); a state-changing request without a token is refused when either names another site,
// whatever its content type. The signed webhooks (server to server, authenticated by their signature)
// are not concerned.
import type { Context, Middleware } from 'koa';
import type { Config } from '../../config.ts';
import type { AppState } from '../context.ts';
import { forbidden } from '../errors.ts';
import { isLoopbackHost } from './operator-auth.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SIGNED_WEBHOOKS = ['/webhooks/callrail/', '/api/v1/shunya/webhook'];
const SAME_SITE_FETCH = new Set(['same-origin', 'none']);

/** Otto's own origins: its public URL's, and the loopback Host the developer's browser used. */
function ownOrigins(config: Config, ctx: Context): Set<string> {
  const origins = new Set([new URL(config.http.publicBaseUrl).origin]);
  if (isLoopbackHost(config, ctx.req)) origins.add(`http://${ctx.get('host').toLowerCase()}`);
  return origins;
}

export function sameOriginWrites(config: Config): Middleware<AppState> {
  return async (ctx, next) => {
    const concerned =
      !SAFE_METHODS.has(ctx.method) &&
      !ctx.get('authorization') &&
      !SIGNED_WEBHOOKS.some((p) => ctx.path.startsWith(p));
    if (concerned) {
      const origin = ctx.get('origin');
      const site = ctx.get('sec-fetch-site');
      if (
        (origin && !ownOrigins(config, ctx).has(origin.toLowerCase())) ||
        (site && !SAME_SITE_FETCH.has(site))
      )
        throw forbidden(
          'CROSS_ORIGIN_REQUEST',
          'A request from another site cannot change anything without a token',
        );
    }
    await next();
  };
}
