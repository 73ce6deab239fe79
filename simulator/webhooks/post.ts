// One webhook attempt on the wire: a POST through node:http(s) with a keep-alive agent, in place of the
// global fetch (D540). fetch's WHATWG layer (web streams, Request/Response objects, the WASM parser, an
// AbortSignal timer per attempt) was about a tenth of the simulator's CPU for one small POST.
// What a receiver sees stays what fetch sent: the same header lines in the same order, the same body; the
// errors keep fetch's names and texts where the dispatcher records them (`TimeoutError: …`, `TypeError:
// <cause>`). Redirects are not followed, as the contract's x-webhook-delivery says ('3xx': retried).
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** undici's (fetch's) default keep-alive timeout for an idle connection; a shorter server hint wins. */
const IDLE_MS = 4000;
const agents = {
  'http:': new HttpAgent({ keepAlive: true, timeout: IDLE_MS }),
  'https:': new HttpsAgent({ keepAlive: true, timeout: IDLE_MS }),
};

export interface WebhookAnswer {
  status: number;
  /** the answer's body, decoded as fetch's `text()` decodes it; rejects as `text()` would (timeout, reset) */
  text: Promise<string>;
  /** every Retry-After line joined with ', ', as fetch's `headers.get` joins them; null when none */
  retryAfter: string | null;
}

/** What fetch rejects with when the attempt's signal times out (AbortSignal.timeout). */
function timeoutError(): Error {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/** What fetch rejects with for a failure below HTTP: `TypeError('fetch failed')` with the reason as cause,
 * a connection closed before or during the answer named as undici names it. */
function networkError(cause: unknown): Error {
  const closed =
    cause instanceof Error &&
    (cause as NodeJS.ErrnoException).code === 'ECONNRESET' &&
    (cause.message === 'socket hang up' || cause.message === 'aborted');
  return new TypeError('fetch failed', { cause: closed ? new Error('other side closed') : cause });
}

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

function decode(res: IncomingMessage, raw: Buffer): string {
  const coding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (coding === 'gzip' || coding === 'x-gzip') return gunzipSync(raw).toString('utf8');
  if (coding === 'deflate') {
    // fetch accepts a deflate body with or without zlib's header
    const zlibHeader = raw.length > 0 && ((raw[0] as number) & 0x0f) === 0x08;
    return (zlibHeader ? inflateSync(raw) : inflateRawSync(raw)).toString('utf8');
  }
  if (coding === 'br') return brotliDecompressSync(raw).toString('utf8');
  return raw.toString('utf8');
}

function retryAfterOf(res: IncomingMessage): string | null {
  const values: string[] = [];
  const raw = res.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    if ((raw[i] as string).toLowerCase() === 'retry-after') values.push(raw[i + 1] as string);
  return values.length ? values.join(', ') : null;
}

/** POSTs `body` to `target`; rejects as fetch would, after `timeoutMs` for the whole exchange. */
export function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<WebhookAnswer> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(target);
    } catch (err) {
      reject(networkError(err));
      return;
    }
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) {
      reject(networkError(new Error('unknown scheme')));
      return;
    }
    const payload = Buffer.from(body, 'utf8');
    /** the body's rejection once the status is known, the answer's before */
    let failBody: ((err: Error) => void) | undefined;
    let finished = false;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (err: Error) => finish(() => (failBody ?? reject)(err));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', agent, headers: headerLines(url, headers, payload) }, (res) => {
      // the status is known before the body, as with fetch: an attempt can carry both a status and an error
      const text = new Promise<string>((resolveText, rejectText) => {
        failBody = rejectText;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => finish(() => rejectText(networkError(err))));
        res.on('end', () =>
          finish(() => {
            try {
              resolveText(decode(res, Buffer.concat(chunks)));
            } catch (err) {
              rejectText(networkError(err));
            }
          }),
        );
      });
      resolve({ status: res.statusCode as number, text, retryAfter: retryAfterOf(res) });
    });
    const timer = setTimeout(() => {
      const err = timeoutError();
      fail(err);
      req.destroy(err);
    }, timeoutMs);
    timer.unref();
    req.on('error', (err) => fail(networkError(err)));
    req.end(payload);
  });
}
