// The one HMAC primitive the wire's signatures (and Otto's stream tickets) are built on, and the
// constant-time comparison their verifiers use. The only file outside test/ that calls createHmac (D211):
// a test counts them, so a second copy of a signature cannot come back unnoticed.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256';

/** HMAC of the concatenated parts (no copy of the body is made to prepend a timestamp). */
export function hmac(
  algorithm: HmacAlgorithm,
  key: string | Uint8Array,
  ...parts: (string | Uint8Array)[]
): Buffer {
  const mac = createHmac(algorithm, key);
  for (const p of parts) mac.update(p);
  return mac.digest();
}

/** Constant-time comparison of two strings (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
