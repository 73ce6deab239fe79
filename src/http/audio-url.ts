// Where an audio URL may point (issue 16, D146). Otto does not fetch audio itself; Shunya's fetcher does,
// inside Shunya's network, so a URL naming a private address, a loopback port or a cloud metadata service
// would have Shunya reach into its own network for whoever sent the trigger. Under the strict policy
// (everywhere but development by default) such URLs are refused at intake, before any row or job exists.
// WHATWG URL has already normalised the host: decimal, octal and hex IPv4 forms read as dotted quads, and
// IPv6 literals come bracketed and compressed. No DNS lookup here: a name that resolves to a private
// address later (rebinding) is for Shunya's fetcher to refuse at connect time (§4.1, D146).
import { BlockList, isIP } from 'node:net';
import type { Config } from '../config.ts';
import { unprocessable } from './errors.ts';

/** Ranges no audio lives in: private, loopback, link-local, shared, unspecified, multicast, reserved. */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form (IPv4-mapped ones are
  // tested by BlockList against the IPv4 ranges above)
  ['64:ff9b::', 96], // NAT64: reaches any IPv4 address
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4: reaches any IPv4 address
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv6');

/** Cloud metadata services by name (their addresses are in the ranges above). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
]);
/** Names that only ever mean this machine or its private network. */
const INTERNAL_SUFFIXES = ['.localhost', '.internal', '.local', '.localdomain', '.home.arpa'];

export type AudioUrlPolicy = Config['audio'];

const refuse = (reason: string, message: string) =>
  unprocessable('AUDIO_URL_NOT_ALLOWED', message, { reason });

/** Why a host is internal, or null. `host` is the URL's hostname (lower case, IPv6 in brackets). */
export function internalHostReason(host: string): string | null {
  const name = host.replace(/\.$/, '');
  const ip = name.startsWith('[') ? name.slice(1, -1) : name;
  const family = isIP(ip);
  if (family !== 0) return BLOCKED.check(ip, family === 4 ? 'ipv4' : 'ipv6') ? 'private_address' : null;
  if (METADATA_NAMES.has(name)) return 'metadata_host';
  if (name === 'localhost' || INTERNAL_SUFFIXES.some((s) => name.endsWith(s))) return 'internal_host';
  // a single label resolves through the fetcher's search domains, i.e. inside its network
  if (!name.includes('.')) return 'internal_host';
  return null;
}

/** `example.com` matches itself; `*.example.com` matches its subdomains (not itself). */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const name = host.replace(/\.$/, '');
  return allowed.some((a) => (a.startsWith('*.') ? name.endsWith(a.slice(1)) : name === a));
}

/** Refuses (422 in the envelope) an audio URL Shunya's fetcher must not be sent to. */
export function checkAudioUrl(url: string, policy: AudioUrlPolicy): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw unprocessable('INVALID_AUDIO_URL', 'The audio URL is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw unprocessable('INVALID_AUDIO_URL', 'The audio URL must be http(s)');
  if (policy.requireHttps && parsed.protocol !== 'https:')
    throw unprocessable('AUDIO_URL_NOT_HTTPS', 'The audio URL must use https');
  if (policy.urlPolicy === 'strict') {
    if (parsed.username || parsed.password)
      throw refuse('user_info', 'The audio URL must not carry a user name or password');
    const reason = internalHostReason(parsed.hostname);
    if (reason)
      throw refuse(
        reason,
        `The audio URL's host (${parsed.hostname}) is internal; audio must be on a public host`,
      );
  }
  if (policy.allowedHosts.length > 0 && !hostAllowed(parsed.hostname, policy.allowedHosts))
    throw refuse(
      'host_not_allowed',
      `The audio URL's host (${parsed.hostname}) is not in AUDIO_ALLOWED_HOSTS`,
    );
}
