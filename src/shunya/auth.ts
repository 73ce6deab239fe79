// What authenticates a request to Shunya (§4.5, §7.1; decision D15): a JWT minted per attempt, and
// X-Signature over the exact bytes of the body that is sent.
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';

export interface JwtSettings {
  secret: string;
  /** `iss`; omitted when undefined (Shunya's deployed verifier ignores it). */
  issuer?: string | undefined;
  /** `aud`; omitted when undefined. */
  audience?: string | undefined;
  /** Lifetime in seconds: exp = iat + ttl (§4.5: 300). */
  ttlSeconds?: number;
}

/** HS256 JWT with company_id, iat, exp = iat + 300, and iss/aud when configured (§4.5). */
export async function mintJwt(s: JwtSettings, companyId: string, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  let jwt = new SignJWT({ company_id: companyId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + (s.ttlSeconds ?? 300));
  if (s.issuer) jwt = jwt.setIssuer(s.issuer);
  if (s.audience) jwt = jwt.setAudience(s.audience);
  return jwt.sign(new TextEncoder().encode(s.secret));
}

/**
 * Lowercase hex HMAC-SHA256 over "{X-UWC-Timestamp}.{body bytes}" (§4.5), where the body bytes are the
 * UTF-8 bytes that go on the wire, not a re-serialisation with sorted keys (D15).
 */
export function signBody(hmacSecret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', hmacSecret).update(`${timestamp}.`).update(body).digest('hex');
}
