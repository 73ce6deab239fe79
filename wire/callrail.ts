// CallRail's webhook signature (§3.1, D13): the `Signature` header is the base64 HMAC of the raw body with
// the tenant's signing key, SHA-1 by default, SHA-256 for a tenant configured `hmac-sha256`.
import { hmac } from './hmac.ts';

export type CallRailAlgorithm = 'hmac-sha1' | 'hmac-sha256';

export function callRailSignature(
  key: string,
  rawBody: string | Uint8Array,
  algorithm?: string | null,
): string {
  return hmac(algorithm === 'hmac-sha256' ? 'sha256' : 'sha1', key, rawBody).toString('base64');
}
