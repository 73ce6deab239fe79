// Security as Shunya must implement it (§2.2, §4.5, §7.1):
// - the bearer JWT is HS256 with UWC_JWT_SECRET; exp and iat are required, both checked with the
//   contract's leeway (x-authentication.jwt.leeway_s), company_id is a non-empty string, and iss/aud, when present, must be otto-backend/uwc;
// - X-Company-ID must equal the token's company_id;
// - X-Signature, when sent, is lowercase hex HMAC-SHA256 (UWC_HMAC_SECRET) of
//   "{X-UWC-Timestamp}.{exact body bytes}", required on requests with a body (x-authentication, D160;
//   `signature_required: false` makes it optional for a tenant).
// Failures are 401 (TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, SIGNATURE_INVALID) or 403
// (COMPANY_ID_MISMATCH), authentication_error, not retryable. Token times are wall-clock times.
import type { Middleware } from 'koa';
import { AUTHENTICATION } from '../generated/shunya/contract.ts';
import { safeEqual } from '../wire/hmac.ts';
import { checkTimes, decodeJwt, type JwtClaims, JwtError, verifyJwtHs256 } from '../wire/jwt.ts';
import { requestSignature } from '../wire/signatures.ts';
import { errors } from './errors.ts';
import type { SimContextState } from './routes/pipeline.ts';
import type { Simulator } from './simulator.ts';

const ISSUER = AUTHENTICATION.jwt.issuer;
const AUDIENCE = AUTHENTICATION.jwt.audience;
/** x-authentication.jwt.leeway_s, for `exp` and `iat` alike (D160). */
const LEEWAY_S = AUTHENTICATION.jwt.leeway_s;

/** Tokens whose signature verified, and their claims, per simulator (D492): Otto mints a token per request
 * with `iat` in whole seconds, so a tenant's requests within a second carry the same one, and its HMAC and
 * two base64/JSON decodes were paid for each. The times are still checked on every request; at most
 * VERIFIED_MAX tokens are kept (a full cache starts again empty). */
const verifiedTokens = new WeakMap<Simulator, Map<string, JwtClaims>>();
const VERIFIED_MAX = 1024;

function verified(sim: Simulator): Map<string, JwtClaims> {
  let m = verifiedTokens.get(sim);
  if (!m) {
    m = new Map();
    verifiedTokens.set(sim, m);
  }
  return m;
}

function verifyToken(sim: Simulator, token: string): string {
  let payload: Record<string, unknown>;
  const cache = verified(sim);
  const known = cache.get(token);
  // The claims of a token whose signature is not verified (only the deviations that skip it use them).
  const decoded = known ? { header: { alg: 'HS256' }, claims: known } : decodeJwt(token);
  const claims = decoded?.claims ?? null;
  const company = typeof claims?.company_id === 'string' ? claims.company_id : undefined;
  const deviates = (d: Parameters<Simulator['deviates']>[1]) =>
    company !== undefined && sim.deviates(company, d);
  const alg = decoded?.header.alg;
  // A wrong `alg: none` or unchecked signature: the claims are taken as they are (deviations).
  if (
    claims &&
    (deviates('jwt_signature_unchecked') || (alg === 'none' && deviates('jwt_alg_none_accepted')))
  )
    payload = claims;
  else
    try {
      const o = {
        requiredClaims: ['exp', 'iat'],
        clockToleranceS: sim.varies(company, 'strict_clock') ? 0 : LEEWAY_S,
      };
      if (known) {
        checkTimes(known, o);
        payload = known;
      } else {
        payload = verifyJwtHs256(token, sim.init.jwtSecret, o);
        if (cache.size >= VERIFIED_MAX) cache.clear();
        cache.set(token, payload);
      }
    } catch (err) {
      // The signature is checked before the claims: an expired token here was signed with the secret (D212).
      const expired =
        err instanceof JwtError && err.code === 'ERR_JWT_EXPIRED' ? (err.payload ?? null) : null;
      if (expired && sim.deviates(String(expired.company_id), 'expired_jwt_accepted')) payload = expired;
      else if (expired) throw errors.tokenExpired();
      else throw errors.tokenInvalid(err instanceof JwtError ? err.code : 'malformed');
    }
  const iat = payload.iat as number;
  const skew = sim.varies(company, 'strict_clock') ? 0 : LEEWAY_S;
  if (iat > Date.now() / 1000 + skew && !deviates('jwt_future_iat_accepted'))
    throw errors.tokenInvalid('iat is in the future');
  if (payload.iss !== undefined && payload.iss !== ISSUER && !deviates('jwt_iss_unchecked'))
    throw errors.tokenInvalid(`iss must be ${ISSUER}`);
  const aud = payload.aud;
  if (
    aud !== undefined &&
    !(Array.isArray(aud) ? aud.includes(AUDIENCE) : aud === AUDIENCE) &&
    !deviates('jwt_aud_unchecked')
  )
    throw errors.tokenInvalid(`aud must be ${AUDIENCE}`);
  const tenant = payload.company_id;
  if (typeof tenant !== 'string' || tenant.length === 0)
    throw errors.tokenInvalid('company_id claim missing');
  return tenant;
}

function verifySignature(
  sim: Simulator,
  companyId: string,
  signature: string,
  timestamp: string,
  body: Buffer | undefined,
) {
  const hasBody = body !== undefined && body.length > 0;
  if (sim.deviates(companyId, 'signature_unchecked')) return;
  if (!signature) {
    if (
      hasBody &&
      sim.effective(companyId).signature_required &&
      !sim.deviates(companyId, 'signature_not_required')
    )
      throw errors.signatureInvalid('X-Signature is required');
    return;
  }
  if (!timestamp) throw errors.signatureInvalid('X-UWC-Timestamp is required with X-Signature');
  const signed = sim.deviates(companyId, 'signature_over_reserialised_body')
    ? reserialised(body)
    : (body ?? Buffer.alloc(0));
  // Lowercase hex only: an uppercase signature is a mismatch (§4.5).
  if (!safeEqual(requestSignature(sim.init.hmacSecret, timestamp, signed), signature))
    throw errors.signatureInvalid('mismatch');
}

/** The `signature_over_reserialised_body` deviation: the body parsed and serialised again (compact). */
function reserialised(body: Buffer | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  try {
    return Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
  } catch {
    return body;
  }
}

export function authenticate(sim: Simulator): Middleware<SimContextState> {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw errors.tokenMissing();
    const company = verifyToken(sim, match[1]!);
    const claimed = ctx.get('x-company-id');
    if (claimed !== company && !sim.deviates(company, 'company_header_unchecked'))
      throw errors.companyMismatch(claimed || null);
    ctx.state.companyId = company;
    verifySignature(sim, company, ctx.get('x-signature'), ctx.get('x-uwc-timestamp'), ctx.state.rawBody);
    await next();
  };
}
