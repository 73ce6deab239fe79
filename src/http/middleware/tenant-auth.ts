// Tenant authentication for frontend routes (§7.3): a bearer JWT verified with jose, against a JWKS URL
// (RS256, Clerk-style) or the HS256 development secret. The tenant is the configured claim (org_id by
// default) and must name an existing company; every query downstream is scoped by it.

import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import type { Middleware } from 'koa';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { AppState } from '../context.ts';
import { unauthorized } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ROLES = ['csr', 'sales_rep', 'manager'] as const;

export function tenantAuth(
  config: Config,
  db: Db,
  opts: { allowQueryToken?: boolean } = {},
): Middleware<AppState> {
  const { auth } = config;
  const jwks = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : undefined;
  const hsKey = auth.hs256Secret ? new TextEncoder().encode(auth.hs256Secret) : undefined;
  const known = new Map<string, number>(); // company id → when it was last seen to exist
  const checkOptions = {
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  };

  async function verify(token: string): Promise<JWTPayload> {
    const alg = (() => {
      try {
        return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')).alg as string;
      } catch {
        return undefined;
      }
    })();
    if (alg === 'HS256' && hsKey)
      return (await jwtVerify(token, hsKey, { ...checkOptions, algorithms: ['HS256'] })).payload;
    if (jwks && alg !== 'HS256')
      return (await jwtVerify(token, jwks, { ...checkOptions, algorithms: ['RS256', 'ES256'] })).payload;
    throw unauthorized('TOKEN_INVALID', 'The bearer token is not signed with an accepted algorithm');
  }

  return async (ctx, next) => {
    const header = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'))?.[1];
    const token =
      header ??
      (opts.allowQueryToken && typeof ctx.query.access_token === 'string'
        ? ctx.query.access_token
        : undefined);
    if (!token) throw unauthorized('TOKEN_MISSING', 'A bearer token is required');
    let claims: JWTPayload;
    try {
      claims = await verify(token);
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired)
        throw unauthorized('TOKEN_EXPIRED', 'The bearer token has expired');
      if (e instanceof Error && e.name === 'HttpError') throw e;
      throw unauthorized('TOKEN_INVALID', 'The bearer token is invalid');
    }
    const companyId = claims[auth.tenantClaim];
    if (typeof companyId !== 'string' || !UUID.test(companyId))
      throw unauthorized('TOKEN_INVALID', `The token has no ${auth.tenantClaim} claim naming a tenant`);
    const seen = known.get(companyId);
    if (!seen || Date.now() - seen > 60_000) {
      const exists = await db('companies').where({ id: companyId }).first('id');
      if (!exists) throw unauthorized('UNKNOWN_TENANT', 'The token names no known tenant');
      known.set(companyId, Date.now());
    }
    const role = claims[auth.roleClaim];
    ctx.state.tenant = {
      companyId,
      role: typeof role === 'string' ? role : undefined,
      subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    };
    await next();
  };
}
