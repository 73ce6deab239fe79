// An injected fetch that records every request exactly as it would leave Otto and answers from a script.
import { createShunyaClient, type ShunyaClientOptions } from '../../../src/shunya/client.ts';
import type { ShunyaClient } from '../../../src/shunya/types.ts';

export interface Recorded {
  method: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  /** The exact bytes of the body, or null. */
  bytes: Buffer | null;
  body: string | null;
  signal: AbortSignal;
}

export type Answer = Response | Error | ((req: Recorded) => Response | Error | Promise<Response | Error>);

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export const envelope = (
  status: number,
  code: string,
  type: string,
  retryable: boolean | undefined,
  extra = {},
) =>
  json(
    status,
    {
      success: false,
      error: {
        error_code: code,
        error_type: type,
        message: `${code} happened`,
        ...(retryable === undefined ? {} : { retryable }),
        details: {},
        timestamp: '2025-01-15T10:00:00.000Z',
        request_id: 'shunya-req-1',
      },
    },
    extra,
  );

export const accepted = (status = 200) =>
  json(status, {
    success: true,
    task_id: 'shunya_task_1',
    transcript_id: 7,
    message: 'ok',
    job_id: 'shunya_job_1',
  });

/** A network failure as undici reports it. */
export const networkError = () => new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });

/** Never answers; rejects when the request is aborted (our timeout or the caller). */
export const hang = (req: Recorded): Promise<Response> =>
  new Promise((_, reject) => {
    req.signal.addEventListener('abort', () => reject(req.signal.reason), { once: true });
  });

export type Script = Answer[] | ((req: Recorded, n: number) => Answer | Promise<Answer>);

export function fakeFetch(script: Script) {
  const requests: Recorded[] = [];
  const fetchFn = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(input, init);
    const bytes = req.body ? Buffer.from(await req.arrayBuffer()) : null;
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const rec: Recorded = {
      method: req.method,
      url: req.url,
      path: new URL(req.url).pathname,
      headers,
      bytes,
      body: bytes ? bytes.toString('utf8') : null,
      signal: req.signal,
    };
    requests.push(rec);
    const n = requests.length - 1;
    let a: Answer | undefined =
      typeof script === 'function' ? await script(rec, n) : script[Math.min(n, script.length - 1)];
    if (typeof a === 'function') a = await a(rec);
    if (a instanceof Error) throw a;
    if (!a) throw new Error('fake Shunya has no answer');
    return a.clone();
  };
  return { fetch: fetchFn as typeof fetch, requests };
}

export const SECRETS = { jwtSecret: 'test-jwt-secret-0123456789', hmacSecret: 'test-hmac-secret-0123456789' };

/** A client over a fake fetch; sleeps are recorded, not waited; jitter is neutral (random = 0.5). */
export function testClient(
  script: Script,
  over: Partial<ShunyaClientOptions> = {},
): { client: ShunyaClient; requests: Recorded[]; sleeps: number[] } {
  const { fetch, requests } = fakeFetch(script);
  const sleeps: number[] = [];
  const client = createShunyaClient({
    baseUrl: 'http://shunya.test',
    ...SECRETS,
    jwtIssuer: 'otto-backend',
    jwtAudience: 'uwc',
    version: 'v1',
    timeoutMs: 30_000,
    retryDelaysMs: [5000, 10_000, 30_000],
    retryJitter: 0.2,
    breakerThreshold: 5,
    breakerCooldownMs: 30_000,
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...over,
  });
  return { client, requests, sleeps };
}
