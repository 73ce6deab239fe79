// `node --import tsx scripts/bench/js-micro.ts [rounds]`: CPU per run of the JavaScript issue 21's Otto CPU
// cut changed (D480–D482), the previous form against the present one, in one process and with CPU time
// (process.cpuUsage), so a machine loaded by others moves both sides alike: what knex makes of the
// transitions' statements (named bindings, $n positions, the prepared statement's name), stableStringify,
// and unstorable over Shunya's published payload samples. Rounds alternate old and new. Then one Shunya
// attempt (D550): openapi-fetch over fetch as before, against node:http, both to a server in a child process
// (so its CPU is not counted), each a POST with §4.5's headers and a body, and its answer read.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import createClient from 'openapi-fetch';
import type { paths } from '../../generated/shunya/schema.d.ts';
import { createDb } from '../../src/db/knex.ts';
import { prepared } from '../../src/db/statement.ts';
import { ADMIT } from '../../src/jobs/transitions/admit.ts';
import { CREATE_CALL_WITH_JOB } from '../../src/jobs/transitions/create.ts';
import { CALL_ANALYSIS } from '../../src/jobs/transitions/stages/call-analysis.ts';
import { CALL_TRANSCRIPTION } from '../../src/jobs/transitions/stages/call-transcription.ts';
import { tokenFor } from '../../src/shunya/executor.ts';
import { answerBody, httpTransport } from '../../src/shunya/transport.ts';
import { stableStringify } from '../../src/util/hash.ts';
import { unstorable } from '../../src/util/storable.ts';
import { mintJwt } from '../../wire/jwt.ts';

const jwt = { secret: 'a-secret-of-32-characters-0123456', issuer: 'otto-backend', audience: 'uwc' };
const ROOT = path.resolve(import.meta.dirname, '../..');
const rounds = Number(process.argv[2] ?? 5);

// ---- the previous forms, as they were at 8e5f453 ----
function oldStable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(oldStable).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${oldStable(v)}`).join(',')}}`;
}
const UNPAIRED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
function oldUnstorable(v: unknown): string | null {
  const text = (s: string) => (s.includes('\u0000') ? 'nul' : UNPAIRED.test(s) ? 'surrogate' : null);
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop() as [unknown, number];
    if (typeof x === 'string') {
      if (text(x)) return text(x);
    } else if (x && typeof x === 'object')
      for (const [k, y] of Object.entries(x)) {
        if (text(k)) return text(k);
        stack.push([y, depth + 1]);
      }
  }
  return null;
}
const plain = knexFactory({ client: 'pg' });
const otto = createDb('postgres://nobody@127.0.0.1:9/none');
const oldPrepared = (raw: Knex.Raw, text: string) =>
  raw.options({ name: `otto_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` });

function bindingsFor(text: string): Record<string, unknown> {
  const places = text.matchAll(/\\?(:(\w+):(?=::)|:(\w+):(?!:)|:(\w+))/g);
  const names = [...new Set([...places].flatMap((m) => (m[0] === m[1] && m[4] ? [m[4]] : [])))];
  return Object.fromEntries(names.map((n, i) => [n, i % 2 ? i : `v${i}`]));
}
const texts = [ADMIT, CREATE_CALL_WITH_JOB, CALL_TRANSCRIPTION, CALL_ANALYSIS].map((t) => ({
  t,
  b: bindingsFor(t),
}));
const samples = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fixtures/shunya-reference/payload-samples.json'), 'utf8'),
) as unknown[];

/** CPU µs per run of `fn` (runs × items), over `n` runs */
function cpuUs(n: number, fn: () => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const u = process.cpuUsage(start);
  return (u.user + u.system) / n;
}

const each = (f: (v: unknown) => unknown) => () => {
  for (const v of samples) f(v);
};
const cases: [string, number, () => void, () => void][] = [
  [
    'a transition statement to pg (4 texts, each once)',
    2000,
    () => {
      for (const { t, b } of texts)
        oldPrepared(plain.raw(t, b as never), t)
          .toSQL()
          .toNative();
    },
    () => {
      for (const { t, b } of texts)
        prepared(otto.raw(t, b as never), t)
          .toSQL()
          .toNative();
    },
  ],
  ['stableStringify (18 payload samples)', 2000, each(oldStable), each(stableStringify)],
  ['unstorable (18 payload samples)', 2000, each(oldUnstorable), each(unstorable)],
  [
    "a tenant's JWT, 20 tenants, 5 attempts each in one second (D551)",
    2000,
    () => {
      for (let i = 0; i < 100; i++) mintJwt(jwt, `company_${i % 20}`, 1_765_137_600_000 + i);
    },
    () => {
      for (let i = 0; i < 100; i++) tokenFor(jwt, `company_${i % 20}`, 1_765_137_600_000 + i);
    },
  ],
];

console.log('| what | previous µs CPU per run | present µs | present ÷ previous |\n|---|---:|---:|---:|');
for (const [name, n, before, after] of cases) {
  cpuUs(n, before); // warm both before measuring
  cpuUs(n, after);
  let a = 0;
  let b = 0;
  for (let r = 0; r < rounds; r++) {
    a += cpuUs(n, before);
    b += cpuUs(n, after);
  }
  console.log(
    `| ${name} | ${(a / rounds).toFixed(1)} | ${(b / rounds).toFixed(1)} | ${(b / a).toFixed(2)} |`,
  );
}
await Promise.all([plain.destroy(), otto.destroy()]);

// ---- one Shunya attempt: openapi-fetch over fetch (before D550) against node:http ----
const SERVER = `const s = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => {
  res.writeHead(202, { 'content-type': 'application/json', 'x-request-id': 'shunya-1' });
  res.end('{"success":true,"task_id":"t1","transcript_id":7,"job_id":"j1","message":"ok"}'); }); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

async function shunyaAttempts(): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [port] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const base = `http://127.0.0.1:${String(port).trim()}`;
  const body = JSON.stringify({ call_id: 1, audio_url: 'https://s3.example/a.mp3', call_type: 'csr_call' });
  const contract = {
    'X-Company-ID': 'company_1',
    'X-Request-ID': '0b7f3c2e-5f0a-4a4e-9d1e-1c2b3a4d5e6f',
    'X-UWC-Version': 'v1' as const,
    'X-UWC-Timestamp': '2026-12-07T20:00:00.000Z',
    'X-Signature': 'a'.repeat(64),
    'Idempotency-Key': '0b7f3c2e-5f0a-4a4e-9d1e-1c2b3a4d5e6f',
  };
  const other = { Accept: 'application/json', Authorization: `Bearer ${'x'.repeat(180)}` };
  const api = createClient<paths>({ baseUrl: base });
  const before = async () => {
    const r = await api.POST('/api/v1/transcription/transcribe', {
      params: { header: contract },
      headers: other,
      parseAs: 'text',
      signal: AbortSignal.timeout(10_000),
      body: JSON.parse(body),
      bodySerializer: () => body,
    });
    r.response.headers.get('x-request-id');
  };
  const send = httpTransport();
  const after = async () => {
    const a = await send({
      method: 'POST',
      url: `${base}/api/v1/transcription/transcribe`,
      headers: { ...other, ...contract },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    answerBody('POST', a);
    a.headers.get('x-request-id');
  };
  const cpuUsAsync = async (n: number, fn: () => Promise<void>) => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn();
    const u = process.cpuUsage(start);
    return (u.user + u.system) / n;
  };
  const n = 1000;
  await cpuUsAsync(n, before);
  await cpuUsAsync(n, after);
  let a = 0;
  let b = 0;
  for (let r = 0; r < rounds; r++) {
    a += await cpuUsAsync(n, before);
    b += await cpuUsAsync(n, after);
  }
  console.log(
    `| one Shunya attempt (a POST and its answer; fetch before, node:http now) | ${(a / rounds).toFixed(1)} | ${(b / rounds).toFixed(1)} | ${(b / a).toFixed(2)} |`,
  );
  child.kill();
}
await shunyaAttempts();
