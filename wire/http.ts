// One HTTP exchange through node:http(s) with a keep-alive agent, answering as the global fetch answers
// where a caller records its failures (D594): the simulator's webhook POST (simulator/webhooks/post.ts,
// D540) and Otto's Shunya transport (src/shunya/transport.ts, D550) were near-copies of this. What each
// caller sends, how it reads the headers and how it turns the bytes into text stay the caller's.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export interface Agents {
  'http:': HttpAgent;
  'https:': HttpsAgent;
}

/** One keep-alive agent per scheme; `idleMs` closes an idle connection sooner than Node's default. */
export function keepAliveAgents(idleMs?: number): Agents {
  const o = idleMs === undefined ? { keepAlive: true } : { keepAlive: true, timeout: idleMs };
  return { 'http:': new HttpAgent(o), 'https:': new HttpsAgent(o) };
}

/** What fetch rejects with when its AbortSignal.timeout fires. */
export function timeoutError(): Error {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/** What fetch rejects with for a failure below HTTP: `TypeError('fetch failed')`, the reason as cause. */
export function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** A connection closed before or during the answer, named as undici names it (`other side closed`). */
export function asUndiciCause(cause: unknown): unknown {
  const closed =
    cause instanceof Error &&
    (cause as NodeJS.ErrnoException).code === 'ECONNRESET' &&
    (cause.message === 'socket hang up' || cause.message === 'aborted');
  return closed ? new Error('other side closed') : cause;
}

/** The body's bytes undone from its Content-Encoding as fetch undoes them (gzip, deflate with or without
 * zlib's header, br); any other coding is left as it came. */
export function decodeContent(coding: string | undefined, raw: Buffer): Buffer {
  const c = (coding ?? '').trim().toLowerCase();
  if (c === 'gzip' || c === 'x-gzip') return gunzipSync(raw);
  if (c === 'deflate') {
    const zlibHeader = raw.length > 0 && ((raw[0] as number) & 0x0f) === 0x08;
    return zlibHeader ? inflateSync(raw) : inflateRawSync(raw);
  }
  if (c === 'br') return brotliDecompressSync(raw);
  return raw;
}

export interface Exchange {
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  agents: Agents;
  /** the whole exchange, the body's last byte included; a timeout rejects with `timeoutError()` */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** what a failure below HTTP (refused, reset, a cut answer) rejects with */
  failure: (err: unknown) => unknown;
}

export interface Answer {
  res: IncomingMessage;
  /** the body's bytes as they came; rejects as the exchange fails once the status is known */
  body: Promise<Buffer>;
}

/**
 * Sends one request; resolves once the status and headers are known, as fetch does, so that an answer cut
 * mid-body has both a status and an error. Redirects are not followed. A URL whose scheme node:http does not
 * know throws from `request` and rejects with that error.
 */
export function exchange(url: URL, x: Exchange): Promise<Answer> {
  return new Promise((resolve, reject) => {
    /** the body's rejection once the status is known, the answer's before */
    let failBody: ((err: unknown) => void) | undefined;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      fn();
    };
    const fail = (err: unknown) => finish(() => (failBody ?? reject)(err));
    const secure = url.protocol === 'https:';
    const options = {
      method: x.method,
      headers: x.headers,
      agent: secure ? x.agents['https:'] : x.agents['http:'],
      ...(x.signal ? { signal: x.signal } : {}),
    };
    const req = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
      const body = new Promise<Buffer>((resolveBody, rejectBody) => {
        failBody = rejectBody;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(x.failure(err)));
        res.on('close', () => {
          if (!res.complete) fail(x.failure(new Error('the answer ended before its end')));
        });
        res.on('end', () =>
          finish(() => resolveBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks))),
        );
      });
      resolve({ res, body });
    });
    if (x.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        const err = timeoutError();
        fail(err);
        req.destroy(err);
      }, x.timeoutMs);
      timer.unref();
    }
    req.on('error', (err) => fail(x.failure(err)));
    req.end(x.body);
  });
}
