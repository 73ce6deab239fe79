// The Shunya bearer JWT (§4.5, §7.1; D15, D160): HS256 with UWC_JWT_SECRET, claims company_id, iat,
// exp = iat + 300, and iss/aud when configured. Minted by Otto (and the kit), verified by Shunya (and the
// simulator). Written with node:crypto, no library, so both sides and the kit share it (D212); the claims'
// order and the header are jose's, so a token is byte-identical to the one jose's SignJWT made before.
// Error codes are jose's (ERR_JWT_EXPIRED, …), which the simulator reports as the refusal's reason.
import { hmac, safeEqual } from './hmac.ts';

export interface JwtSettings {
  secret: string;
  /** `iss`; omitted when undefined (Shunya's deployed verifier ignores it). */
  issuer?: string | undefined;
  /** `aud`; omitted when undefined. */
  audience?: string | undefined;
  /** Lifetime in seconds: exp = iat + ttl (§4.5: 300). */
  ttlSeconds?: number;
}

export type JwtClaims = Record<string, unknown>;

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const mac = (secret: string, input: string) => hmac('sha256', secret, input).toString('base64url');

/** A compact JWS of `claims`, HS256, with the header `{alg: 'HS256', typ: 'JWT'}` unless given. */
export function signJwtHs256(
  claims: JwtClaims,
  secret: string,
  header: JwtClaims = { alg: 'HS256', typ: 'JWT' },
): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${mac(secret, input)}`;
}

/** §4.5: the token Otto sends with every attempt. */
export function mintJwt(s: JwtSettings, companyId: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const claims: JwtClaims = { company_id: companyId, iat, exp: iat + (s.ttlSeconds ?? 300) };
  if (s.issuer) claims.iss = s.issuer;
  if (s.audience) claims.aud = s.audience;
  return signJwtHs256(claims, s.secret);
}

export class JwtError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The claims of an expired token whose signature verified. */
    readonly payload?: JwtClaims,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is JwtClaims => typeof v === 'object' && v !== null && !Array.isArray(v);

function decodePart(part: string | undefined, code: string): JwtClaims {
  try {
    const v: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    if (isObject(v)) return v;
  } catch {
    // reported below
  }
  throw new JwtError(code, code === 'ERR_JWS_INVALID' ? 'invalid JWS header' : 'invalid JWT claims');
}

/** Header and claims of a compact JWS, without verifying anything; null when it is not one. */
export function decodeJwt(token: string): { header: JwtClaims; claims: JwtClaims } | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return {
      header: decodePart(parts[0], 'ERR_JWS_INVALID'),
      claims: decodePart(parts[1], 'ERR_JWT_INVALID'),
    };
  } catch {
    return null;
  }
}

export interface VerifyOptions {
  /** Seconds of leeway for exp and nbf. */
  clockToleranceS: number;
  /** Claims that must be present (e.g. exp, iat). */
  requiredClaims?: string[];
  /** Now, in seconds since the epoch (default: the wall clock). */
  nowS?: number;
}

function verifySignature(token: string, secret: string): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('ERR_JWS_INVALID', 'Invalid Compact JWS');
  const header = decodePart(parts[0], 'ERR_JWS_INVALID');
  if (header.crit !== undefined) throw new JwtError('ERR_JWS_INVALID', 'unsupported "crit" header');
  if (header.alg !== 'HS256')
    throw new JwtError('ERR_JOSE_ALG_NOT_ALLOWED', '"alg" (Algorithm) Header Parameter value not allowed');
  if (!safeEqual(mac(secret, `${parts[0]}.${parts[1]}`), parts[2] as string))
    throw new JwtError('ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'signature verification failed');
  return decodePart(parts[1], 'ERR_JWT_INVALID');
}

/** The claims' times and required claims (the second half of verifyJwtHs256), for claims whose signature
 * verified before. */
export function checkTimes(claims: JwtClaims, o: VerifyOptions): void {
  const now = o.nowS ?? Math.floor(Date.now() / 1000);
  for (const name of o.requiredClaims ?? [])
    if (claims[name] === undefined)
      throw new JwtError('ERR_JWT_CLAIM_VALIDATION_FAILED', `missing required "${name}" claim`);
  for (const name of ['iat', 'nbf', 'exp'])
    if (claims[name] !== undefined && typeof claims[name] !== 'number')
      throw new JwtError('ERR_JWT_CLAIM_VALIDATION_FAILED', `"${name}" claim must be a number`);
  if (typeof claims.nbf === 'number' && claims.nbf > now + o.clockToleranceS)
    throw new JwtError('ERR_JWT_CLAIM_VALIDATION_FAILED', '"nbf" claim timestamp check failed');
  if (typeof claims.exp === 'number' && claims.exp <= now - o.clockToleranceS)
    throw new JwtError('ERR_JWT_EXPIRED', '"exp" claim timestamp check failed', claims);
}

/**
 * Shunya's verification (§7.1): an HS256 signature with the shared secret, then the times. Throws JwtError;
 * an expired token's error carries its (signed) claims.
 */
export function verifyJwtHs256(token: string, secret: string, o: VerifyOptions): JwtClaims {
  const claims = verifySignature(token, secret);
  checkTimes(claims, o);
  return claims;
}
