// Development tokens for the frontend routes: HS256 JWTs signed with AUTH_HS256_SECRET, carrying the
// tenant claim (AUTH_TENANT_CLAIM, org_id by default) and a role. Production uses the identity
// provider's RS256 tokens (AUTH_JWKS_URL) instead.
import { decodeJwt, SignJWT } from 'jose';
import type { Config } from '../config.ts';

export type Role = 'csr' | 'sales_rep' | 'manager';

export async function mintDevToken(
  config: Config,
  companyId: string,
  opts: { role?: Role; ttl?: string; subject?: string } = {},
): Promise<string> {
  if (!config.auth.hs256Secret)
    throw new Error('AUTH_HS256_SECRET is not configured (tokens come from the JWKS provider)');
  let jwt = new SignJWT({
    [config.auth.tenantClaim]: companyId,
    [config.auth.roleClaim]: opts.role ?? 'manager',
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(opts.subject ?? 'dev-user')
    .setIssuedAt()
    .setExpirationTime(opts.ttl ?? '24h');
  if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
  if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
  const token = await jwt.sign(new TextEncoder().encode(config.auth.hs256Secret));
  const { iat = 0, exp = 0 } = decodeJwt(token);
  // Otto refuses tokens that live longer than AUTH_MAX_TOKEN_LIFETIME_S (D89): do not mint one
  if (exp - iat > config.auth.maxTokenLifetimeS)
    throw new Error(
      `--ttl ${opts.ttl} is longer than AUTH_MAX_TOKEN_LIFETIME_S (${config.auth.maxTokenLifetimeS} s)`,
    );
  return token;
}
