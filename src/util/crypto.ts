import { createHmac, timingSafeEqual } from 'node:crypto';

export const hmacHex = (algorithm: 'sha1' | 'sha256', key: string, message: string | Buffer) =>
  createHmac(algorithm, key).update(message).digest('hex');
export const hmacBase64 = (algorithm: 'sha1' | 'sha256', key: string, message: string | Buffer) =>
  createHmac(algorithm, key).update(message).digest('base64');

/** Constant-time comparison of two strings (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
