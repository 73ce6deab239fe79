// The simulator's memory after a long run (D290): `calls` whole CSR calls as Otto makes them (transcribe
// and analysis start with an Idempotency-Key, the status, transcript and result reads, the two webhooks
// to a receiver here), driven straight at a simulator process, then its RSS. Run with the default
// retention window and with a short one, so the result shows what the window holds and what the sweep
// frees. Straight at the simulator, not through Otto: 20,000 calls take a minute, not six.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { DEV_SECRETS, SIMULATOR_ENV, SIMULATOR_NODE_FLAGS } from '../../simulator/options.ts';
import { DEFAULT_RETENTION_S } from '../../simulator/retention.ts';
import { startSimulator } from '../lib/stack.ts';
import { treeCpu } from './cpu.ts';
import type { Progress } from './phase.ts';

export interface SimSoakRun {
  retentionS: number;
  /** Node's flags for the simulator's process (SIMULATOR_NODE_FLAGS, D372) */
  nodeFlags: string[];
  /** environment the simulator was given beyond the window (e.g. glibc's malloc settings) */
  env?: Record<string, string>;
  calls: number;
  failed: number;
  seconds: number;
  /** the compiled simulator it ran (D490), or its source under tsx when absent */
  main?: string;
  /** the simulator's CPU (user + system) while it served the calls, ms per call */
  cpuMsPerCall: number;
  /** RSS once the calls finished and a sweep had time to run */
  rssMb: number;
  /** RSS `REST_MS` later with no request in between (absent in results before D494) */
  rssAtRestMb?: number;
  jobsHeld: number;
  idempotencyKeys: number;
  webhookLog: number;
  /** where the RSS is, read inside the simulator after the RSS above, then after a full collection (D440) */
  memory?: SimMemory;
}

interface MemoryReading {
  rssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  threads: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  mallocedMb: number;
  heapSpaces: Record<string, { sizeMb: number; usedMb: number }>;
}
export interface SimMemory {
  before: MemoryReading;
  afterGc: MemoryReading | null;
}

export interface SimSoakOptions {
  /** Node's flags for the simulator (SIMULATOR_NODE_FLAGS by default) */
  nodeFlags?: string[];
  /** extra environment for the simulator (e.g. glibc's MALLOC_ARENA_MAX) */
  env?: Record<string, string>;
  /** the compiled simulator's main.js (compileSimulator, D490): the bench runs it as production does */
  main?: string;
}

const PRELOAD = path.join(import.meta.dirname, 'simmem-preload.mjs');

/** how long the simulator sits idle before the at-rest reading (V8's memory reducer acts within it) */
const REST_MS = 30_000;
const TENANTS = 200;
const CONCURRENCY = 32;

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

export async function simSoak(
  calls: number,
  retentionS: number,
  progress: Progress,
  o: SimSoakOptions = {},
): Promise<SimSoakRun> {
  const nodeFlags = o.nodeFlags ?? SIMULATOR_NODE_FLAGS;
  const memFile = path.join(tmpdir(), `simmem-${process.pid}-${Date.now()}.json`);
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"processed"}');
    });
  }).listen(0, '127.0.0.1');
  await new Promise((r) => receiver.once('listening', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/v1/shunya/webhook`;
  const sim = await startSimulator({
    webhookUrl: hookUrl,
    argv: ['--preset', 'happy', '--time-scale', '1', '--seed', '1', '--signature-required', 'false'],
    env: { SIMULATOR_RETENTION_S: String(retentionS), SIMMEM_FILE: memFile, ...o.env },
    // the reading's preload and a callable gc, both idle until signalled: the RSS is read before either acts
    nodeArgs: [...nodeFlags, '--expose-gc', '--import', PRELOAD],
    ...(o.main ? { main: o.main } : {}),
  });
  const pid = sim.proc.child.pid as number;
  try {
    const tokens = new Map<string, string>();
    const tenantToken = async (company: string) => {
      let t = tokens.get(company);
      if (!t) {
        t = await new SignJWT({ company_id: company })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuedAt()
          .setExpirationTime('2h')
          .setIssuer('otto-backend')
          .setAudience('uwc')
          .sign(new TextEncoder().encode(DEV_SECRETS.jwt));
        tokens.set(company, t);
      }
      return t;
    };
    let next = 0;
    let done = 0;
    let failed = 0;
    const t0 = Date.now();
    const cpu0 = treeCpu(pid);
    const one = async (n: number) => {
      const company = `soak-${n % TENANTS}`;
      const h = {
        authorization: `Bearer ${await tenantToken(company)}`,
        'x-company-id': company,
        'content-type': 'application/json',
      };
      const send = async (method: string, p: string, body?: unknown, key?: string) => {
        for (;;) {
          const r = await fetch(sim.url + p, {
            method,
            headers: { ...h, ...(key ? { 'idempotency-key': key } : {}) },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          });
          await r.arrayBuffer();
          if (r.status !== 429 && r.status !== 409) return r.status;
          await new Promise((res) => setTimeout(res, 20));
        }
      };
      const ok = (s: number) => s >= 200 && s < 300;
      if (
        !ok(
          await send(
            'POST',
            '/api/v1/transcription/transcribe',
            { call_id: n, audio_url: `https://r.example/${n}.mp3`, call_type: 'csr_call' },
            `t-${n}`,
          ),
        )
      )
        return false;
      await send('GET', `/api/v1/transcription/status/${n}`);
      await send('GET', `/api/v1/transcription/transcript/${n}`);
      if (!ok(await send('POST', `/api/v1/analysis/start/${n}`, undefined, `a-${n}`))) return false;
      await send('GET', `/api/v1/analysis/status/${n}`);
      return ok(await send('GET', `/api/v1/analysis/complete/${n}`));
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < calls) {
          const n = ++next;
          if (!(await one(n).catch(() => false))) failed++;
          if (++done % 500 === 0 || done === calls) progress(`simulator soak (${retentionS} s)`, done, calls);
        }
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    const cpuMsPerCall = ((treeCpu(pid) - cpu0) * 1000) / calls;
    // the webhooks of the last calls land, and a sweep (every tenth of the window, at most a minute) runs
    const sweepEveryMs = Math.min(60_000, Math.max(1000, retentionS * 100));
    const settleMs = retentionS < 600 ? retentionS * 1000 + sweepEveryMs + 1000 : 2000;
    await new Promise((r) => setTimeout(r, settleMs));
    // read before the soak's own admin reads: `/webhooks` answers with the whole delivery log (tens of
    // thousands of entries), garbage that is the probe's, not the simulator's (D494)
    const rss = rssMb(pid);
    // and once more after REST_MS with no request at all: what an operator sees once a burst is over
    await new Promise((r) => setTimeout(r, REST_MS));
    const rssAtRest = rssMb(pid);
    const memory = await readMemory(pid, memFile);
    const stats = await sim.admin<{
      jobs: { total: number };
      idempotency: { keys: number };
    }>('/stats');
    const log = await sim.admin<{ deliveries: unknown[] }>('/webhooks');
    return {
      retentionS,
      nodeFlags,
      env: { ...SIMULATOR_ENV, ...o.env },
      ...(o.main ? { main: path.relative(process.cwd(), o.main) } : {}),
      cpuMsPerCall,
      calls,
      failed,
      seconds,
      rssMb: rss,
      rssAtRestMb: rssAtRest,
      jobsHeld: stats.jobs.total,
      idempotencyKeys: stats.idempotency.keys,
      webhookLog: log.deliveries.length,
      memory,
    };
  } finally {
    rmSync(memFile, { force: true });
    sim.proc.child.kill('SIGTERM');
    await sim.proc.exited;
    receiver.close();
  }
}

async function readMemory(pid: number, file: string): Promise<SimMemory> {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 300 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(file)) throw new Error(`the simulator wrote no memory reading to ${file} within 30 s`);
  return JSON.parse(readFileSync(file, 'utf8')) as SimMemory;
}

export const SOAK_RETENTIONS = [DEFAULT_RETENTION_S, 30];
