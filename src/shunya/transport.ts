// How one HTTP attempt reaches Shunya. The default is node:http with a keep-alive agent (D550): fetch
// (undici's Request, Headers and web streams, and openapi-fetch's wrapper around them) cost more of Otto's
// CPU per call than any other part of the client. A `fetch` can still be injected (tests' scripted
// Shunya, Prism); both transports give the executor the same answer (test/unit/shunya/transport.test.ts).
import { exchange, fetchFailed, keepAliveAgents } from '../../wire/http.ts';

export interface WireRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** The exact text that is sent (and was signed), or undefined for none. */
  body?: string;
  signal: AbortSignal;
}

/** What the executor reads of a response's headers: `Headers.get`'s semantics (any case, duplicates joined). */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface WireAnswer {
  status: number;
  headers: HeaderReader;
  /** The body decoded as UTF-8 as fetch's `text()` decodes it. */
  text: string;
}

export type Transport = (req: WireRequest) => Promise<WireAnswer>;

/**
 * What Otto read as the body before D550 (openapi-fetch with `parseAs: 'text'`): nothing for a 204, a HEAD
 * or an empty unchunked body; a 2xx's text; another status's text parsed as JSON when it is JSON.
 */
export function answerBody(method: string, a: WireAnswer): unknown {
  const length = a.headers.get('content-length');
  if (
    a.status === 204 ||
    method === 'HEAD' ||
    (length === '0' && !a.headers.get('transfer-encoding')?.includes('chunked'))
  )
    return undefined;
  if (a.status >= 200 && a.status < 300) return a.text;
  try {
    return JSON.parse(a.text);
  } catch {
    return a.text;
  }
}

/** An injected fetch as a transport (scripted test answers, Prism, a wrapper adding headers). */
export function fetchTransport(f: typeof fetch): Transport {
  return async (req) => {
    const headers = req.body === undefined ? req.headers : withJsonType(req.headers);
    const res = await f(req.url, {
      method: req.method,
      headers,
      signal: req.signal,
      redirect: 'follow',
      ...(req.body === undefined ? {} : { body: req.body }),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}

// openapi-fetch gave every request with a body this type, lowest in precedence
const withJsonType = (h: Record<string, string>) => ({ 'Content-Type': 'application/json', ...h });

const decoder = new TextDecoder('utf-8');

/** Response headers from the raw list, read as `Headers.get` reads them: duplicates joined with ", ". */
class RawHeaders implements HeaderReader {
  constructor(private readonly raw: string[]) {}
  get(name: string): string | null {
    const want = name.toLowerCase();
    let out: string | null = null;
    for (let i = 0; i < this.raw.length; i += 2)
      if ((this.raw[i] as string).toLowerCase() === want)
        out = out === null ? (this.raw[i + 1] as string) : `${out}, ${this.raw[i + 1]}`;
    return out;
  }
}

/**
 * node:http (or https) with one keep-alive agent per client, through the exchange it shares with the
 * simulator's webhook POST (wire/http.ts, D594). Redirects are not followed (D550). A failure to connect or
 * a broken answer rejects as undici's fetch rejects, `TypeError('fetch failed')` with the socket's error as
 * its cause, so the executor's classification and messages do not change; an abort rejects with the
 * signal's reason's AbortError.
 */
export function httpTransport(): Transport {
  const agents = keepAliveAgents();
  return async (req) => {
    const url = new URL(req.url);
    const headers =
      req.body === undefined
        ? req.headers
        : { ...withJsonType(req.headers), 'Content-Length': String(Buffer.byteLength(req.body)) };
    const failure = (e: unknown) => (req.signal.aborted ? req.signal.reason : fetchFailed(e));
    const sent = { method: req.method, headers, agents, signal: req.signal, failure };
    const { res, body } = await exchange(url, req.body === undefined ? sent : { ...sent, body: req.body });
    const bytes = await body;
    return {
      status: res.statusCode ?? 0,
      headers: new RawHeaders(res.rawHeaders),
      text: decoder.decode(bytes),
    };
  };
}
