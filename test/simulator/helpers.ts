// Test helpers for the simulator suites: a running simulator, a client that authenticates as Otto
// does (§4.5), a webhook receiver, and signature verifiers written here, independently of the
// simulator's own code, so that a bug there cannot hide behind the same bug here.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { SimulatorOptions } from '../../simulator/options.ts';
import { type SimulatorHandle, startSimulator } from '../../simulator/server.ts';
import { freePort } from '../../src/util/net.ts';

export const JWT_SECRET = 'test-jwt-secret-0123456789';
export const HMAC_SECRET = 'test-hmac-secret-0123456789';
/** A fixed virtual start (a Monday), so content dates are the same in every run. */
export const START = '2025-03-10T09:00:00.000Z';

/** A URL on a port nobody listens on (connection refused). */
export const closedUrl = async () => `http://127.0.0.1:${await freePort()}/webhook`;

export async function sim(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  return startSimulator({
    jwtSecret: JWT_SECRET,
    hmacSecret: HMAC_SECRET,
    startTime: START,
    timeScale: 0,
    preset: 'happy',
    seed: 7,
    // Nobody listens there: webhooks fail fast unless a test brings a receiver.
    webhookUrl: await closedUrl(),
    ...options,
  });
}

export interface TokenOptions {
  secret?: string;
  iat?: number;
  exp?: number;
  iss?: string | null;
  aud?: string | string[] | null;
  claims?: Record<string, unknown>;
}

export async function token(companyId: string | null, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...(companyId !== null ? { company_id: companyId } : {}), ...o.claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(o.iat ?? now)
    .setExpirationTime(o.exp ?? now + 300);
  if (o.iss !== null) jwt.setIssuer(o.iss ?? 'otto-backend');
  if (o.aud !== null) jwt.setAudience(o.aud ?? 'uwc');
  return jwt.sign(new TextEncoder().encode(o.secret ?? JWT_SECRET));
}

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field in tests
  body: any;
}

async function toRes(r: Response): Promise<Res> {
  const text = await r.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: r.status, headers: r.headers, text, body };
}

/** Requests as Otto sends them: bearer JWT, X-Company-ID, X-Request-ID, X-UWC-Timestamp, X-Signature. */
export function otto(base: string, companyId: string, defaults: { sign?: boolean } = {}) {
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const ts = new Date().toISOString();
    const h: Record<string, string> = {
      authorization: `Bearer ${await token(companyId)}`,
      'x-company-id': companyId,
      'x-request-id': randomUUID(),
      'x-uwc-version': 'v1',
      'x-uwc-timestamp': ts,
      ...(raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(raw !== undefined && defaults.sign !== false
        ? { 'x-signature': createHmac('sha256', HMAC_SECRET).update(`${ts}.${raw}`).digest('hex') }
        : {}),
      ...headers,
    };
    return toRes(
      await fetch(base + path, { method, headers: h, ...(raw !== undefined ? { body: raw } : {}) }),
    );
  };
  return {
    send,
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send('POST', path, body, headers),
    transcribe: (callId: number, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
      send(
        'POST',
        '/api/v1/transcription/transcribe',
        // Otto always sends call_type (the strict contract requires it).
        {
          call_id: callId,
          audio_url: `https://recordings.example/${callId}.mp3`,
          call_type: 'csr_call',
          ...extra,
        },
        headers,
      ),
  };
}

/** The control API. */
export function admin(base: string) {
  const call = async (method: string, path: string, body?: unknown) =>
    toRes(
      await fetch(`${base}/__sim${path}`, {
        method,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
      }),
    );
  return {
    call,
    advance: (seconds: number) => call('POST', '/time/advance', { seconds }),
    config: (patch: unknown) => call('PUT', '/config', patch),
    preset: (name: string, options?: unknown) =>
      call('POST', '/preset', { name, ...(options ? { options } : {}) }),
    fault: (rule: unknown) => call('POST', '/faults', rule),
    scenario: (company: string, callId: number, s: unknown) =>
      call('PUT', `/scenarios/${company}/${callId}`, s),
    jobs: (q = '') => call('GET', `/jobs${q}`),
    webhooks: (q = '') => call('GET', `/webhooks${q}`),
  };
}

export interface Received {
  headers: IncomingHttpHeaders;
  /** the header lines as sent, names and values alternating */
  rawHeaders: string[];
  /** the sender's port: the same for two requests on one kept-alive connection */
  remotePort: number | undefined;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: webhook bodies are inspected field by field in tests
  body: any;
  at: number;
}

/** An answer: a status, or a status with headers. */
export type Answer = number | { status: number; headers: Record<string, string> };

/** A webhook receiver: answers `respond(n)` (status) to the n-th request, 200 by default. */
export async function receiver(respond: (n: number, r: Received) => Answer = () => 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const r: Received = {
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        remotePort: req.socket.remotePort,
        raw,
        body: JSON.parse(raw),
        at: Date.now(),
      };
      received.push(r);
      const answer = respond(received.length, r);
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify({ status: status < 300 ? 'processed' : 'error' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/shunya/webhook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function until<T>(
  fn: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() - start > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(v)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---- Independent verifiers -------------------------------------------------------------------

const hex = (secret: string, message: string) => createHmac('sha256', secret).update(message).digest();

function constantTimeEqualHex(givenHex: string | undefined, expected: Buffer): boolean {
  if (!givenHex || !/^[0-9a-f]{64}$/.test(givenHex)) return false;
  return timingSafeEqual(Buffer.from(givenHex, 'hex'), expected);
}

/** §8.1: lowercase hex HMAC-SHA256 of "{X-Shunya-Timestamp}." + raw body. */
export function verifyHandoff(r: Received, secret = HMAC_SECRET): boolean {
  const ts = r.headers['x-shunya-timestamp'] as string;
  return constantTimeEqualHex(r.headers['x-shunya-signature'] as string, hex(secret, `${ts}.${r.raw}`));
}

/** Python's float repr from JS's shortest digits (String(x)), reformatted to Python's thresholds. */
function pyRepr(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const neg = x < 0;
  const s = String(Math.abs(x));
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(s)!;
  const intPart = m[1]!;
  const frac = m[2] ?? '';
  const e = Number(m[3] ?? 0);
  const stripped = (intPart + frac).replace(/^0+/, '');
  const leadingZeros = (intPart + frac).length - stripped.length;
  // value = 0.digits × 10^point
  const point = intPart.length + e - leadingZeros;
  const digits = stripped.replace(/0+$/, '') || '0';
  const exp10 = point - 1;
  let out: string;
  if (exp10 < -4 || exp10 >= 16) {
    const mant = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    out = `${mant}e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
  } else if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (digits.length <= point) out = `${digits}${'0'.repeat(point - digits.length)}.0`;
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (neg ? '-' : '') + out;
}

const asciiJsonString = (s: string) =>
  JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** json.dumps(json.loads(raw), sort_keys=True), by a regex tokenizer that keeps number lexemes. */
export function pythonSortedJson(raw: string): string {
  const re = /\s*(?:([{}[\]:,])|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null))/y;
  const tokens: string[][] = [];
  for (let m = re.exec(raw); m; m = re.exec(raw))
    tokens.push([m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4] ?? '']);
  let i = 0;
  const value = (): string => {
    const [punct, str, num, lit] = tokens[i++]!;
    if (str) return asciiJsonString(JSON.parse(str));
    if (num) return /[.eE]/.test(num) ? pyRepr(Number(num)) : BigInt(num).toString();
    if (lit) return lit;
    if (punct === '[') {
      const items: string[] = [];
      while (tokens[i]![0] !== ']') {
        items.push(value());
        if (tokens[i]![0] === ',') i++;
      }
      i++;
      return `[${items.join(', ')}]`;
    }
    const entries: [string, string][] = [];
    while (tokens[i]![0] !== '}') {
      const key = JSON.parse(tokens[i++]![1]!) as string;
      i++; // ':'
      entries.push([key, value()]);
      if (tokens[i]![0] === ',') i++;
    }
    i++;
    const cp = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);
    entries.sort(([a], [b]) => {
      const x = cp(a);
      const y = cp(b);
      for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k]! - y[k]!;
      return x.length - y.length;
    });
    return `{${entries.map(([k, v]) => `${asciiJsonString(k)}: ${v}`).join(', ')}}`;
  };
  return value();
}

/** Shunya's notes: hex HMAC-SHA256 of "{timestamp}:" + json.dumps(payload, sort_keys=True). */
export function verifyShunya(r: Received, secret = HMAC_SECRET): boolean {
  const ts = r.headers['x-shunya-timestamp'] as string;
  return constantTimeEqualHex(
    r.headers['x-shunya-signature'] as string,
    hex(secret, `${ts}:${pythonSortedJson(r.raw)}`),
  );
}
