// D550: the Shunya client sends over node:http instead of fetch. Both transports, against one real HTTP
// server, must leave the executor with the same answer (status, headers read, body as openapi-fetch read it)
// and the same failure, and the whole client must send the same request and return the same result.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShunyaClient, type ShunyaClientOptions } from '../../../src/shunya/client.ts';
import { classifyOutcome } from '../../../src/shunya/error-mapping.ts';
import {
  answerBody,
  fetchTransport,
  httpTransport,
  type Transport,
  type WireRequest,
} from '../../../src/shunya/transport.ts';
import { SECRETS } from './fake-shunya.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
/** Each path answers one way; the raw header list lets a header repeat. */
const answers: Record<string, (res: http.ServerResponse) => void> = {
  '/json': (res) => {
    res.writeHead(200, ['Content-Type', 'application/json', 'X-Request-ID', 'shunya-1']);
    res.end('{"success":true,"status":"processing"}');
  },
  '/accepted': (res) => {
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"success":true,"task_id":"t1","transcript_id":7,"job_id":"j1","message":"ok"}');
  },
  '/empty204': (res) => {
    res.writeHead(204);
    res.end();
  },
  '/empty200': (res) => {
    res.writeHead(200, { 'content-length': '0' });
    res.end();
  },
  '/error-json': (res) => {
    res.writeHead(429, ['Retry-After', '3', 'Retry-After', '5', 'Content-Type', 'application/json']);
    res.end('{"success":false,"error":{"error_code":"RATE_LIMITED","retryable":true}}');
  },
  '/error-text': (res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html>bad gateway</html>');
  },
  '/not-json-2xx': (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok, sort of');
  },
  '/bytes': (res) => {
    // a BOM, a character split across chunks, and bytes that are not UTF-8
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.write(Buffer.from([0xef, 0xbb, 0xbf, 0x22, 0xc3]));
    res.write(Buffer.from([0xbc, 0xff, 0xfe, 0x22]));
    res.end('x'.repeat(100_000));
  },
  '/hang': () => {},
  '/hang-body': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":');
  },
  '/cut': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"short":');
    res.socket?.destroy();
  },
};

answers['/api/v1/transcription/transcribe'] = answers['/accepted'] as (res: http.ServerResponse) => void;

const server = http.createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  seen.push({
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  });
  const path = (req.url ?? '').split('?')[0] as string;
  (answers[path] ?? answers['/json'])?.(res);
});
let base = '';

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

const viaFetch = fetchTransport(fetch);
const viaHttp = httpTransport();
const both: [string, Transport][] = [
  ['fetch', viaFetch],
  ['node:http', viaHttp],
];

const request = (path: string, over: Partial<WireRequest> = {}): WireRequest => ({
  method: 'GET',
  url: `${base}${path}`,
  headers: { Accept: 'application/json', 'X-Request-ID': 'r-1' },
  signal: AbortSignal.timeout(10_000),
  ...over,
});

/** What the executor reads of an answer. */
async function readBy(t: Transport, req: WireRequest) {
  const a = await t(req);
  const names = ['retry-after', 'x-request-id', 'content-type', 'content-length', 'transfer-encoding'];
  return {
    status: a.status,
    headers: Object.fromEntries(names.map((n) => [n, a.headers.get(n)])),
    upper: a.headers.get('X-Request-ID'),
    body: answerBody(req.method, a),
  };
}

/** How the executor classifies a failure (error-mapping.ts), for a transport that rejected. */
async function failureBy(t: Transport, req: WireRequest, timedOut: () => boolean) {
  try {
    await t(req);
  } catch (e) {
    const c = classifyOutcome(
      { kind: 'exception', error: e, timedOut: timedOut() },
      { ottoRequestId: 'r-1', endpoint: 'GET /x', now: () => 0 },
    );
    if (c.ok) throw new Error('classified as a success');
    return {
      name: (e as Error).name,
      code: c.error.errorCode,
      message: c.error.message,
      details: c.error.details,
    };
  }
  throw new Error('the transport did not reject');
}

describe('the node:http transport answers as fetch did (D550)', () => {
  const paths = [
    '/json',
    '/accepted',
    '/empty204',
    '/empty200',
    '/error-json',
    '/error-text',
    '/not-json-2xx',
    '/bytes',
  ];
  it.each(paths)('GET %s: the same status, headers and body', async (path) => {
    const [a, b] = [await readBy(viaFetch, request(path)), await readBy(viaHttp, request(path))];
    expect(b).toEqual(a);
    expect(a.status).toBeGreaterThan(0);
  });

  it('a POST sends the same method, path, body bytes and headers (fetch adds only its own)', async () => {
    const body = JSON.stringify({ call_id: 7, audio_url: 'https://s3.example/ü.mp3' });
    const got: Seen[] = [];
    for (const [, t] of both) {
      seen.length = 0;
      await t(
        request('/accepted?x=1', {
          method: 'POST',
          body,
          headers: { Accept: 'application/json', 'X-Signature': 'abc' },
        }),
      );
      got.push(seen[0] as Seen);
    }
    const [fromFetch, fromHttp] = got as [Seen, Seen];
    expect(fromHttp.method).toBe('POST');
    expect(fromHttp.url).toBe(fromFetch.url);
    expect(fromHttp.body).toBe(body);
    expect(fromFetch.body).toBe(body);
    for (const name of ['accept', 'content-type', 'content-length', 'x-signature'])
      expect([name, fromHttp.headers[name]]).toEqual([name, fromFetch.headers[name]]);
    const fetchOwn = ['user-agent', 'accept-language', 'sec-fetch-mode', 'accept-encoding', 'connection'];
    const extra = Object.keys(fromHttp.headers).filter((k) => !(k in fromFetch.headers));
    expect(extra).toEqual([]);
    const missing = Object.keys(fromFetch.headers).filter((k) => !(k in fromHttp.headers));
    expect(missing.filter((k) => !fetchOwn.includes(k))).toEqual([]);
  });

  it('an unreachable Shunya is the same network error', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const req = () => request('', { url: `http://127.0.0.1:${port}/x` });
    const a = await failureBy(viaFetch, req(), () => false);
    const b = await failureBy(viaHttp, req(), () => false);
    expect(b).toEqual(a);
    expect(a.code).toBe('SHUNYA_UNREACHABLE');
    expect(a.details).toEqual({ cause: 'ECONNREFUSED' });
  });

  it.each(['/hang', '/hang-body'])(
    'a timeout before or during the answer (%s) rejects with the signal reason',
    async (path) => {
      const outcomes = [];
      for (const [, t] of both) {
        const reason = new DOMException('Shunya did not answer within 50 ms', 'TimeoutError');
        const ac = new AbortController();
        setTimeout(() => ac.abort(reason), 50);
        const r = await t(request(path, { signal: ac.signal })).then(
          () => 'answered',
          (e: unknown) => (e === reason ? 'the reason' : `other: ${String(e)}`),
        );
        outcomes.push(r);
      }
      expect(outcomes).toEqual(['the reason', 'the reason']);
    },
  );

  it('an answer cut short is a network error for both', async () => {
    const a = await failureBy(viaFetch, request('/cut'), () => false);
    const b = await failureBy(viaHttp, request('/cut'), () => false);
    expect(b.code).toBe(a.code);
    expect(a.code).toBe('SHUNYA_UNREACHABLE');
  });
});

describe("the keep-alive agent and a server's Keep-Alive timeout (D550)", () => {
  it('a slow answer on a reused connection, and a request after the server closed an idle one, both succeed', async () => {
    const slow = http.createServer((req, res) => {
      setTimeout(() => res.end('{"ok":true}'), req.url === '/slow' ? 1500 : 0);
    });
    slow.keepAliveTimeout = 500; // announced as Keep-Alive: timeout=0.5 s; the slow answer takes longer
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    const at = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const t = httpTransport();
    const get = async (path: string) => (await t(request('', { url: `${at}${path}` }))).text;
    try {
      expect(await get('/fast')).toBe('{"ok":true}');
      expect(await get('/slow')).toBe('{"ok":true}');
      await new Promise((r) => setTimeout(r, 800));
      expect(await get('/fast')).toBe('{"ok":true}');
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });
});

describe('the whole client over node:http and over fetch (D550)', () => {
  const options = (over: Partial<ShunyaClientOptions>): ShunyaClientOptions => ({
    baseUrl: `${base}/`,
    ...SECRETS,
    version: 'v1',
    timeoutMs: 10_000,
    retryDelaysMs: [],
    retryJitter: 0,
    breakerThreshold: 100,
    breakerCooldownMs: 1000,
    now: () => Date.parse('2026-12-07T20:00:00.000Z'),
    ...over,
  });
  const opts = { requestId: '0b7f3c2e-5f0a-4a4e-9d1e-1c2b3a4d5e6f', idempotencyKey: 'k-1' };

  it('transcribe and a status poll: the same request and the same result', async () => {
    const runs = [];
    for (const over of [{ fetch }, {}]) {
      seen.length = 0;
      const client = createShunyaClient(options(over));
      const submitted = await client.transcribe(
        'company_1',
        { call_id: 12345, audio_url: 'https://s3.example/a.mp3', call_type: 'csr_call' },
        opts,
      );
      const polled = await client.getTranscriptionStatus('company_1', 12345, opts);
      const health = await client.health(opts);
      const requests = seen.map((s) => ({
        method: s.method,
        url: s.url,
        body: s.body,
        headers: Object.fromEntries(
          Object.entries(s.headers).filter(([k]) => k.startsWith('x-') || k === 'authorization'),
        ),
      }));
      runs.push({ submitted, polled, health, requests });
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]?.requests.map((r) => r.url)).toEqual([
      '/api/v1/transcription/transcribe',
      '/api/v1/transcription/status/12345',
      '/health',
    ]);
  });
});
