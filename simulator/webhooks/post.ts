// One webhook attempt on the wire: a POST through node:http(s) with a keep-alive agent, in place of the
// global fetch (D540), through the exchange it shares with Otto's Shunya transport (wire/http.ts, D594).
// fetch's WHATWG layer (web streams, Request/Response objects, the WASM parser, an AbortSignal timer per
// attempt) was about a tenth of the simulator's CPU for one small POST.
// What a receiver sees stays what fetch sent: the same header lines in the same order, the same body; the
// errors keep fetch's names and texts where the dispatcher records them (`TimeoutError: …`, `TypeError:
// <cause>`). Redirects are not followed, as the contract's x-webhook-delivery says ('3xx': retried).
import type { IncomingMessage } from 'node:http';
import { asUndiciCause, decodeContent, exchange, fetchFailed, keepAliveAgents } from '../../wire/http.ts';

/** undici's (fetch's) default keep-alive timeout for an idle connection; a shorter server hint wins. */
const IDLE_MS = 4000;
const agents = keepAliveAgents(IDLE_MS);

export interface WebhookAnswer {
  status: number;
  /** the answer's body, decoded as fetch's `text()` decodes it; rejects as `text()` would (timeout, reset) */
  text: Promise<string>;
  /** every Retry-After line joined with ', ', as fetch's `headers.get` joins them; null when none */
  retryAfter: string | null;
}

/** What fetch rejects with for a failure below HTTP, a closed connection named as undici names it. */
const networkError = (cause: unknown) => fetchFailed(asUndiciCause(cause));

/** fetch's order of the header lines: host and connection, the caller's, then its own defaults. */
function headerLines(url: URL, headers: Record<string, string>, body: Buffer): Record<string, string> {
  return {
    host: url.host,
    connection: 'keep-alive',
    ...headers,
    accept: '*/*',
    'accept-language': '*',
    'sec-fetch-mode': 'cors',
    'accept-encoding': 'gzip, deflate',
    'content-length': String(body.length),
  };
}

function retryAfterOf(res: IncomingMessage): string | null {
  const values: string[] = [];
  const raw = res.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    if ((raw[i] as string).toLowerCase() === 'retry-after') values.push(raw[i + 1] as string);
  return values.length ? values.join(', ') : null;
}

/** POSTs `body` to `target`; rejects as fetch would, after `timeoutMs` for the whole exchange. */
export async function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<WebhookAnswer> {
  let url: URL;
  try {
    url = new URL(target);
  } catch (err) {
    throw networkError(err);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw networkError(new Error('unknown scheme'));
  const payload = Buffer.from(body, 'utf8');
  const { res, body: raw } = await exchange(url, {
    method: 'POST',
    headers: headerLines(url, headers, payload),
    body: payload,
    agents,
    timeoutMs,
    failure: networkError,
  });
  const text = raw.then((bytes) => {
    try {
      return decodeContent(res.headers['content-encoding'], bytes).toString('utf8');
    } catch (err) {
      throw networkError(err);
    }
  });
  return { status: res.statusCode as number, text, retryAfter: retryAfterOf(res) };
}
