// A quick load test of the simulator alone: `npx tsx simulator/bench.ts [seconds] [concurrency]`.
// Starts `simulator/main.ts --preset happy` as its own process, then measures (1) transcribe requests
// per second and (2) whole calls per second, a call being what Otto does for a CSR call: transcribe,
// transcription status, transcript, analysis start, analysis status, complete analysis, plus the two
// webhooks the simulator sends to a receiver in this process. Prints one line per phase.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintJwt } from '../wire/jwt.ts';
import { DEV_SECRETS } from './options.ts';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 64);
const port = 4600 + Math.floor(Math.random() * 300);
const base = `http://127.0.0.1:${port}`;

let webhooks = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    webhooks++;
    res.end('{"status":"processed"}');
  });
}).listen(0, '127.0.0.1');
await new Promise((r) => receiver.once('listening', r));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/v1/shunya/webhook`;

const child = spawn(
  process.execPath,
  [
    ...(process.env.SIM_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp/prof'] : []),
    '--import',
    'tsx',
    'simulator/main.ts',
    '--preset',
    'happy',
    '--port',
    String(port),
    '--webhook-url',
    hookUrl,
    '--log-level',
    'silent',
    // It measures the simulator's throughput, not request signing (required by default since D160).
    '--signature-required',
    'false',
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
await new Promise<void>((resolve) =>
  child.stdout?.on('data', (d) => String(d).includes('listening') && resolve()),
);

const tokens = new Map<string, string>();
async function headers(company: string): Promise<Record<string, string>> {
  let t = tokens.get(company);
  if (!t) {
    t = mintJwt(
      { secret: DEV_SECRETS.jwt, issuer: 'otto-backend', audience: 'uwc', ttlSeconds: 600 },
      company,
      Date.now(),
    );
    tokens.set(company, t);
  }
  return { authorization: `Bearer ${t}`, 'x-company-id': company, 'content-type': 'application/json' };
}

let seq = 0;
const company = () => `bench-${seq % 20}`;

async function transcribe(): Promise<[string, number]> {
  const id = ++seq;
  const c = company();
  const r = await fetch(`${base}/api/v1/transcription/transcribe`, {
    method: 'POST',
    headers: await headers(c),
    body: JSON.stringify({ call_id: id, audio_url: `https://r.example/${id}.mp3`, call_type: 'csr_call' }),
  });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`transcribe ${r.status}`);
  return [c, id];
}

async function call(): Promise<void> {
  const [c, id] = await transcribe();
  const h = await headers(c);
  const get = async (path: string) => {
    const r = await fetch(base + path, { headers: h });
    await r.arrayBuffer();
    return r.status;
  };
  while ((await get(`/api/v1/transcription/status/${id}`)) !== 200);
  await new Promise((r) => setTimeout(r, 10));
  await get(`/api/v1/transcription/transcript/${id}`);
  const s = await fetch(`${base}/api/v1/analysis/start/${id}`, { method: 'POST', headers: h });
  await s.arrayBuffer();
  await new Promise((r) => setTimeout(r, 10));
  await get(`/api/v1/analysis/status/${id}`);
  await get(`/api/v1/analysis/complete/${id}`);
}

/** CPU seconds the simulator process has used (Linux /proc; 0 elsewhere). */
function simCpu(): number {
  try {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

async function phase(name: string, fn: () => Promise<unknown>): Promise<void> {
  const cpu0 = simCpu();
  let done = 0;
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          await fn();
          done++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const cpu = simCpu() - cpu0;
  console.log(
    `${name}: ${(done / seconds).toFixed(0)}/s over ${seconds} s, concurrency ${concurrency}, ${failed} failed; ` +
      `simulator CPU ${((100 * cpu) / seconds).toFixed(0)}% of a core, ${cpu > 0 ? (done / cpu).toFixed(0) : '?'} per CPU-second`,
  );
}

await phase('transcribe requests', transcribe);
const before = webhooks;
await phase('whole calls (6 requests + 2 webhooks each)', call);
await new Promise((r) => setTimeout(r, 500));
const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
console.log(
  `webhooks received during the calls phase: ${webhooks - before}; simulator RSS ${Math.round(Number(rss) / 1024)} MB`,
);
child.kill('SIGTERM');
receiver.close();
