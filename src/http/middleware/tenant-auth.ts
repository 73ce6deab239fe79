// Tenant authentication for frontend routes (§7.3): a bearer JWT verified with jose, against a JWKS URL
// (Clerk-style, RS256 or ES256) or the HS256 development secret. The tenant is the configured claim (org_id
// by default) and must name an existing company; every query downstream is scoped by it. Decision D89: a
// token must expire (`exp`) within AUTH_MAX_TOKEN_LIFETIME_S of its issue, must carry one of the known
// roles (else 403), and each key source accepts only its own algorithms. D145: an `iat` more than
// IAT_LEEWAY_S ahead is refused, and the cap counts from now (a future iat no longer stretches it).

import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import type { Middleware } from 'koa';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import { companyExists } from '../../domain/companies.ts';
import type { AppState } from '../context.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { countingFailures, presentsToken } from './auth-failures.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How far ahead of Otto's clock a token's iat may be (the issuer's clock skew), D145. */
export const IAT_LEEWAY_S = 60;
export const ROLES = ['csr', 'sales_rep', 'manager'] as const;
export type Role = (typeof ROLES)[number];

/** The algorithms each key source accepts (D89): asymmetric ones for the JWKS, HS256 for the secret. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'];
export const SECRET_ALGORITHMS = ['HS256'];

const headerAlg = (token: string): string | undefined => {
  try {
    return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')).alg;
  } catch {
    return undefined;
  }
};

const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

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
    requiredClaims: ['exp'],
  };

  /** Verifies with the one key source the token's algorithm belongs to; no other is tried. */
  async function verify(token: string): Promise<JWTPayload> {
    const alg = headerAlg(token);
    if (hsKey && alg && SECRET_ALGORITHMS.includes(alg))
      return (await jwtVerify(token, hsKey, { ...checkOptions, algorithms: SECRET_ALGORITHMS })).payload;
    if (jwks && alg && JWKS_ALGORITHMS.includes(alg))
      return (await jwtVerify(token, jwks, { ...checkOptions, algorithms: JWKS_ALGORITHMS })).payload;
    throw unauthorized('TOKEN_INVALID', 'The bearer token is not signed with an accepted algorithm');
  }

  /**
   * exp is required (jose checks it is in the future). The lifetime is capped from now, or from iat when
   * that is earlier; an iat further ahead than the leeway (clock skew) is refused (D145).
   */
  function checkLifetime(claims: JWTPayload): void {
    const now = Math.floor(Date.now() / 1000);
    const iat = typeof claims.iat === 'number' ? claims.iat : now;
    if (iat > now + IAT_LEEWAY_S)
      throw unauthorized('TOKEN_INVALID', 'The bearer token is issued in the future (iat)');
    if ((claims.exp as number) - Math.min(iat, now) > auth.maxTokenLifetimeS)
      throw unauthorized(
        'TOKEN_INVALID',
        `The bearer token lives longer than the ${auth.maxTokenLifetimeS} s this service accepts`,
      );
  }

  const authenticate: Middleware<AppState> = async (ctx, next) => {
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
      if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'exp')
        throw unauthorized('TOKEN_INVALID', 'The bearer token has no expiry (exp)');
      if (e instanceof Error && e.name === 'HttpError') throw e;
      throw unauthorized('TOKEN_INVALID', 'The bearer token is invalid');
    }
    checkLifetime(claims);
    const companyId = claims[auth.tenantClaim];
    if (typeof companyId !== 'string' || !UUID.test(companyId))
      throw unauthorized('TOKEN_INVALID', `The token has no ${auth.tenantClaim} claim naming a tenant`);
    const role = claims[auth.roleClaim];
    if (!isRole(role))
      throw forbidden(
        'ROLE_NOT_ALLOWED',
        `The token's ${auth.roleClaim} claim must be one of ${ROLES.join(', ')}`,
      );
    const seen = known.get(companyId);
    if (!seen || Date.now() - seen > 60_000) {
      if (!(await companyExists(db, companyId)))
        throw unauthorized('UNKNOWN_TENANT', 'The token names no known tenant');
      known.set(companyId, Date.now());
    }
    ctx.state.tenant = {
      companyId,
      role,
      subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    };
    await next();
  };
  // a token that fails counts against the client's failure limit (D130)
  return countingFailures('frontend', authenticate, presentsToken);
}
