// The simulator's live heap per call held (D293's probe, D370): `node --expose-gc --import tsx
// scripts/bench/simheap.ts [calls] [time scale]` runs a simulator in this process, drives `calls` whole CSR
// calls at it over HTTP (as simsoak.ts does, with the default window so everything is held), then reads
// the heap after a full collection: held, with the content cache emptied, then as each part is cleared.
// Prints JSON. The time scale (default 100) only shortens the jobs' virtual latencies: the window is
// wall-clock time and the idempotency keys' 24 virtual hours are still 14 real minutes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { DEV_SECRETS } from '../../simulator/options.ts';
import { startSimulator } from '../../simulator/server.ts';

const calls = Number(process.argv[2] ?? 2000);
const timeScale = Number(process.argv[3] ?? 100);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const live = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"processed"}'),
  );
}).listen(0, '127.0.0.1');
await new Promise((r) => receiver.once('listening', r));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/v1/shunya/webhook`;
const h = await startSimulator({
  webhookUrl: hookUrl,
  preset: 'happy',
  timeScale,
  seed: 1,
  config: { signature_required: false },
});
const TENANTS = 50;
const tokens: string[] = [];
for (let i = 0; i < TENANTS; i++)
  tokens.push(
    await new SignJWT({ company_id: `probe-${i}` })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('2h')
      .setIssuer('otto-backend')
      .setAudience('uwc')
      .sign(new TextEncoder().encode(DEV_SECRETS.jwt)),
  );

const send = async (tenant: number, method: string, p: string, body?: unknown, key?: string) => {
  for (;;) {
    const r = await fetch(h.url + p, {
      method,
      headers: {
        authorization: `Bearer ${tokens[tenant]}`,
        'x-company-id': `probe-${tenant}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    await r.arrayBuffer();
    if (r.status !== 429 && r.status !== 409) return r.status;
    await new Promise((res) => setTimeout(res, 20));
  }
};
const one = async (n: number) => {
  const c = n % TENANTS;
  await send(
    c,
    'POST',
    '/api/v1/transcription/transcribe',
    { call_id: n, audio_url: `https://r.example/${n}.mp3`, call_type: 'csr_call' },
    `t-${n}`,
  );
  await send(c, 'GET', `/api/v1/transcription/status/${n}`);
  await send(c, 'GET', `/api/v1/transcription/transcript/${n}`);
  await send(c, 'POST', `/api/v1/analysis/start/${n}`, undefined, `a-${n}`);
  await send(c, 'GET', `/api/v1/analysis/status/${n}`);
  await send(c, 'GET', `/api/v1/analysis/complete/${n}`);
};

// warm up (code, caches), then measure from a settled baseline
for (let n = 1; n <= 50; n++) await one(1_000_000 + n);
await new Promise((r) => setTimeout(r, 1500));
const base = live();
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < calls) await one(++next);
  }),
);
await new Promise((r) => setTimeout(r, 2000)); // the last webhooks
await h.sim.webhooks.settle();
const held = live();
h.sim.content.clear();
const noCache = live();
const counts = h.sim.store.counts(h.sim.clock.now());
// what each part holds: the retention queue first (it reaches every record), then each map
const parts: Record<string, number> = {};
let last = noCache;
for (const [name, clear] of [
  ['retentionQueue', () => h.sim.retention.clear()],
  ['idempotency', () => h.sim.idempotency.clear()],
  ['webhookLog', () => h.sim.webhooks.clear()],
  ['jobsAndCalls', () => h.sim.store.clear()],
] as const) {
  clear();
  const now = live();
  parts[name] = Math.round((last - now) / calls);
  last = now;
}
const swept = last;
await h.close();
receiver.close();
console.log(
  JSON.stringify({
    calls,
    jobsHeld: counts.total,
    baseMb: +(base / 1e6).toFixed(1),
    heldMb: +(held / 1e6).toFixed(1),
    noCacheMb: +(noCache / 1e6).toFixed(1),
    sweptMb: +(swept / 1e6).toFixed(1),
    cacheBytesPerCall: Math.round((held - noCache) / calls),
    heldBytesPerCall: Math.round((noCache - swept) / calls),
    bytesPerCallByPart: parts,
    rssMb: +(process.memoryUsage().rss / 1e6).toFixed(1),
  }),
);
