// The Shunya signatures, one function per rule (D210):
// - X-Signature of a request to Shunya (§4.5, D15): lowercase hex HMAC-SHA256 (UWC_HMAC_SECRET) of
//   "{X-UWC-Timestamp}." + the exact body bytes sent;
// - X-Shunya-Signature of a webhook, handoff profile (§8.1, D1, D55): lowercase hex HMAC-SHA256 of
//   "{X-Shunya-Timestamp}." + the raw body;
// - X-Shunya-Signature of a webhook, Shunya's published profile (D1): hex HMAC-SHA256 of
//   "{X-Shunya-Timestamp}:" + json.dumps(payload, sort_keys=True) (wire/json.ts).
import { hmac } from './hmac.ts';
import { canonicalPythonJson, type DumpOptions, pythonJsonDumps } from './json.ts';

export type WebhookProfile = 'handoff' | 'shunya';

/** §4.5: X-Signature over the UTF-8 bytes that go on the wire, not a re-serialisation (D15). */
export function requestSignature(secret: string, timestamp: string, body: string | Uint8Array): string {
  return hmac('sha256', secret, `${timestamp}.`, body).toString('hex');
}

/** §8.1, the handoff profile: over the raw body bytes. */
export function handoffWebhookSignature(
  secret: string,
  timestamp: string,
  body: string | Uint8Array,
): string {
  return hmac('sha256', secret, `${timestamp}.`, body).toString('hex');
}

/** Shunya's profile, given the canonical JSON text (json.dumps(payload, sort_keys=True)). */
export function shunyaWebhookSignature(secret: string, timestamp: string, canonicalJson: string): string {
  return hmac('sha256', secret, `${timestamp}:${canonicalJson}`).toString('hex');
}

/** Shunya's profile as its sender computes it, from the payload's JS value (floats named by `floatKey`). */
export function shunyaWebhookSignatureOfPayload(
  secret: string,
  timestamp: string,
  payload: unknown,
  floatKey?: DumpOptions['floatKey'],
): string {
  return shunyaWebhookSignature(secret, timestamp, pythonJsonDumps(payload, { sortKeys: true, floatKey }));
}

/** Shunya's profile as its receiver re-creates it from the raw body; throws SyntaxError when it is not JSON. */
export function shunyaWebhookSignatureOfBody(secret: string, timestamp: string, rawBody: string): string {
  return shunyaWebhookSignature(secret, timestamp, canonicalPythonJson(rawBody));
}
