// The kit's HTTP client for Shunya: it signs like Otto (a fresh HS256 JWT per request, X-Company-ID,
// X-Request-ID, X-UWC-Version, X-UWC-Timestamp, X-Signature over the exact body bytes, Idempotency-Key
// on POSTs) with the wire module Otto uses, wire/ (D67, D214), and it can break any of that on
// purpose. Every exchange is kept as evidence. It stops the run when the request budget or the deadline
// is spent, and honours 429 Retry-After instead of pressing on (safe for a staging environment).
import { randomUUID } from 'node:crypto';
import { mintJwt, requestSignature, signJwtHs256 } from '../../wire/index.ts';

export type Auth =
  | 'valid'
  | 'none'
  | 'expired'
  | 'wrong-secret'
  | 'malformed'
  | 'no-company-claim'
  | 'wrong-iss'
  | 'wrong-aud'
  | 'future-iat'
  | 'alg-none';

/** X-Signature as sent: right (over the exact bytes), absent, wrong, or right over the compact JSON
 * while the bytes sent are spaced (`reserialised`), or right over spaced bytes (`spaced`: a Shunya that
 * re-serialises before verifying refuses it). */
export type Signing = 'valid' | 'none' | 'wrong' | 'reserialised' | 'spaced';

export interface RequestSpec {
  method: 'GET' | 'POST';
  /** Concrete path, e.g. /api/v1/transcription/status/123. */
  path: string;
  /** The contract's path template this request exercises. */
  template: string;
  /** The tenant whose token is sent. */
  company?: string;
  auth?: Auth;
  /** X-Company-ID: the token's tenant when undefined, omitted when null. */
  headerCompany?: string | null;
  /** JSON value, or raw text sent as is. */
  body?: unknown;
  rawBody?: string;
  signing?: Signing;
  /** POSTs get a fresh key unless one is given; null sends none. */
  idempotencyKey?: string | null;
  purpose: string;
}

export interface Exchange {
  n: number;
  purpose: string;
  spec: RequestSpec;
  requestId: string;
  requestHeaders: Record<string, string>;
  requestBody: string | undefined;
  status: number;
  responseHeaders: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: any JSON
  json: any;
  /** Real milliseconds (performance.now()) when the request started and the answer was complete. */
  startedMs: number;
  endedMs: number;
  /** A network error or timeout instead of an answer (status 0). */
  error?: string;
}

export class StopRun extends Error {}

export interface ClientOptions {
  baseUrl: string;
  jwtSecret: string;
  hmacSecret: string;
  maxRequests: number;
  /** performance.now() after which no request is sent. */
  deadlineMs: number;
  timeoutMs: number;
  /** The contract's JWT clock leeway (a future `iat` is sent beyond it). */
  leewayS?: number;
  onExchange?: (x: Exchange) => void;
}

export class ShunyaClient {
  readonly exchanges: Exchange[] = [];
  private sent = 0;

  constructor(private readonly o: ClientOptions) {}

  get requestsSent(): number {
    return this.sent;
  }

  private async token(auth: Auth, company: string): Promise<string | undefined> {
    const now = Date.now();
    const s = { secret: this.o.jwtSecret, issuer: 'otto-backend', audience: 'uwc' };
    switch (auth) {
      case 'none':
        return undefined;
      case 'valid':
        return mintJwt(s, company, now);
      case 'expired':
        // Issued 10 minutes ago with the 5-minute TTL of §4.5: expired 5 minutes ago.
        return mintJwt(s, company, now - 600_000);
      case 'wrong-secret':
        return mintJwt({ ...s, secret: `${this.o.jwtSecret}-not-the-shared-secret` }, company, now);
      case 'malformed':
        return 'not-a-jwt';
      case 'no-company-claim':
        return this.claims({}, now);
      case 'wrong-iss':
        return this.claims({ company_id: company }, now, { iss: 'not-otto' });
      case 'wrong-aud':
        return this.claims({ company_id: company }, now, { aud: 'not-uwc' });
      case 'future-iat':
        // Issued beyond the contract's leeway in the future (and not yet expired then).
        return this.claims({ company_id: company }, now + ((this.o.leewayS ?? 30) + 120) * 1000);
      case 'alg-none': {
        const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const iat = Math.floor(now / 1000);
        const claims = { company_id: company, iat, exp: iat + 300, iss: 'otto-backend', aud: 'uwc' };
        return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
      }
    }
  }

  /** A token signed with the shared secret, with these claims (iss/aud overridable). */
  private claims(
    claims: Record<string, unknown>,
    nowMs: number,
    o: { iss?: string; aud?: string } = {},
  ): string {
    const iat = Math.floor(nowMs / 1000);
    const all = { ...claims, iat, exp: iat + 300, iss: o.iss ?? 'otto-backend', aud: o.aud ?? 'uwc' };
    return signJwtHs256(all, this.o.jwtSecret);
  }

  private async headers(spec: RequestSpec, body: string | undefined, requestId: string) {
    const company = spec.company ?? '';
    const h: Record<string, string> = {
      accept: 'application/json',
      'x-request-id': requestId,
      'x-uwc-version': 'v1',
    };
    if (spec.template === '/health') return h;
    const token = await this.token(spec.auth ?? 'valid', company);
    if (token) h.authorization = `Bearer ${token}`;
    const headerCompany = spec.headerCompany === undefined ? company : spec.headerCompany;
    if (headerCompany !== null) h['x-company-id'] = headerCompany;
    const ts = new Date().toISOString();
    h['x-uwc-timestamp'] = ts;
    if (body !== undefined) {
      h['content-type'] = 'application/json';
      const signing = spec.signing ?? 'valid';
      const signed = signing === 'reserialised' && spec.body !== undefined ? JSON.stringify(spec.body) : body;
      if (signing !== 'none')
        h['x-signature'] = requestSignature(
          signing === 'wrong' ? `${this.o.hmacSecret}-not-shared` : this.o.hmacSecret,
          ts,
          signed,
        );
    }
    const key = spec.idempotencyKey === undefined ? randomUUID() : spec.idempotencyKey;
    if (spec.method === 'POST' && key !== null) h['idempotency-key'] = key;
    return h;
  }

  /** Sends `spec`; a 429 is waited out (Retry-After, at most 60 s) up to twice. */
  async send(spec: RequestSpec): Promise<Exchange> {
    for (let attempt = 0; ; attempt++) {
      const x = await this.once(spec);
      if (x.status !== 429 || attempt >= 2) return x;
      const wait = Math.min(60, Number(x.responseHeaders['retry-after'] ?? 5) || 5) * 1000;
      if (performance.now() + wait > this.o.deadlineMs) return x;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async once(spec: RequestSpec): Promise<Exchange> {
    if (this.sent >= this.o.maxRequests)
      throw new StopRun(`the request budget (${this.o.maxRequests}) is spent`);
    if (performance.now() > this.o.deadlineMs) throw new StopRun('the deadline has passed');
    this.sent++;
    // Spaced bytes for the signing probes: the same JSON as Otto's, other bytes.
    const spaced = spec.signing === 'reserialised' || spec.signing === 'spaced';
    const body =
      spec.rawBody ??
      (spec.body === undefined ? undefined : JSON.stringify(spec.body, null, spaced ? 1 : undefined));
    const requestId = randomUUID();
    const headers = await this.headers(spec, body, requestId);
    const x: Exchange = {
      n: this.sent,
      purpose: spec.purpose,
      spec,
      requestId,
      requestHeaders: redact(headers, spec.auth ?? 'valid'),
      requestBody: body,
      status: 0,
      responseHeaders: {},
      text: '',
      json: undefined,
      startedMs: performance.now(),
      endedMs: 0,
    };
    try {
      const res = await fetch(this.o.baseUrl + spec.path, {
        method: spec.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      x.status = res.status;
      res.headers.forEach((v, k) => {
        x.responseHeaders[k] = v;
      });
      x.text = await res.text();
      try {
        x.json = x.text ? JSON.parse(x.text) : undefined;
      } catch {
        x.json = undefined;
      }
    } catch (err) {
      x.error = describeFailure(err);
    }
    x.endedMs = performance.now();
    this.exchanges.push(x);
    this.o.onExchange?.(x);
    return x;
  }
}

/**
 * What a request that got no answer met. fetch hides the reason in `cause` ("fetch failed" says nothing;
 * "ECONNREFUSED", "bad port" or a certificate error tell the reader what to fix).
 */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const why = cause ? (cause.code ?? cause.message ?? '') : '';
  return `${err.name}: ${err.message}${why ? ` (${why})` : ''}`;
}

/** Evidence never carries a working token. */
function redact(h: Record<string, string>, auth: Auth): Record<string, string> {
  const out = { ...h };
  if (out.authorization && auth !== 'alg-none')
    out.authorization = `Bearer <${auth === 'valid' ? 'valid' : auth} JWT>`;
  return out;
}
