// The production build on a Postgres server (issue 18 item 3, D190), driven by production-proof.sh once the
// server runs and the production copy (dist/ + `npm ci --omit=dev`) is installed in --app. From that copy:
// two migrations at once, the simulator, 2 API and 2 worker processes, all with production settings; then
// the demo's CSR call and sales visit through the first API process (the demo, a developer tool, runs from
// the source tree), a check in the database that both jobs succeeded, and SIGTERM to every process, each of
// which must exit 0 within the deadline. Prints what it measured (start time, RSS) as JSON at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort } from '../../src/util/net.ts';
import { PRODUCTION_COMMANDS, PRODUCTION_SIMULATOR_ENV, productionEnv } from './production-settings.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STOP_DEADLINE_MS = 30_000;
const READY_DEADLINE_MS = 60_000;

const { values: args } = parseArgs({
  options: { app: { type: 'string' }, 'database-url': { type: 'string' } },
});
if (!args.app || !args['database-url']) {
  console.error('usage: production-proof.ts --app <production copy> --database-url <url>');
  process.exit(2);
}
const APP = path.resolve(args.app);
const DATABASE_URL = args['database-url'];

const simPort = await freePort();
const apiPorts = [await freePort(), await freePort()];
const simUrl = `http://127.0.0.1:${simPort}`;
const PRODUCTION_ENV = {
  ...productionEnv({ databaseUrl: DATABASE_URL, shunyaUrl: simUrl }),
  LOG_LEVEL: 'info',
};

interface Proc {
  name: string;
  child: ChildProcess;
  /** Wall-clock time of the spawn (compared with the `time` of pino's "otto started" line). */
  startedAt: number;
  readyMs?: number;
  log: string[];
  exited: Promise<number | null>;
}

function run(
  name: string,
  command: readonly string[],
  env: Record<string, string>,
  argv: string[] = [],
): Proc {
  // the command as compose runs it, node's own flags included (the simulator's heap flags, D372)
  const [, ...args] = command;
  const child = spawn(process.execPath, [...args, ...argv], {
    cwd: APP,
    // Only what a deployment would set: no inherited NODE_OPTIONS (tsx), no development variables.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...PRODUCTION_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let partial = '';
  const keep = (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    log.push(...lines.filter(Boolean));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, startedAt: Date.now(), log, exited };
}

async function until(what: string, deadlineMs: number, check: () => Promise<boolean> | boolean) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}

const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(1000) })
    .then((r) => r.ok)
    .catch(() => false);

async function migrateTwiceAtOnce(): Promise<void> {
  const runs = [1, 2].map((n) => run(`migrate-${n}`, PRODUCTION_COMMANDS.migrate, {}));
  const codes = await Promise.all(runs.map((r) => r.exited));
  for (const [i, r] of runs.entries()) console.log(`${r.name} (exit ${codes[i]}): ${r.log.join(' | ')}`);
  if (codes.some((c) => c !== 0)) throw new Error('a concurrent migration run failed');
}

/** Milliseconds from the spawn to the process's "otto started" log line, once it is there. */
function startedAfter(p: Proc): number | undefined {
  const line = p.log.find((l) => l.includes('"otto started"'));
  if (!line) return undefined;
  const time: unknown = JSON.parse(line).time;
  return (typeof time === 'number' ? time : Date.parse(String(time))) - p.startedAt;
}

/** What the production build serves from the files beside its code: the console, /docs, the contracts. */
async function servesAssets(url: string): Promise<void> {
  for (const route of [
    '/console',
    '/docs/assets/scalar.js',
    '/docs/otto.json',
    '/contracts/otto.openapi.yaml',
  ]) {
    const res = await fetch(`${url}${route}`);
    if (res.status !== 200) throw new Error(`GET ${route} → ${res.status}`);
  }
}

/** One API process started on its own (nothing else starting beside it): start time and RSS at rest. */
async function soloStart(): Promise<{ ready_ms: number | undefined; rss_mb: number }> {
  const p = run('api-solo', PRODUCTION_COMMANDS.otto, { OTTO_ROLE: 'api', PORT: String(await freePort()) });
  try {
    await until('the solo API process started', READY_DEADLINE_MS, () => startedAfter(p) !== undefined);
    await new Promise((r) => setTimeout(r, 2000));
    return { ready_ms: startedAfter(p), rss_mb: Math.round(rssMb(p.child.pid)) };
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
  }
}

const rssMb = (pid: number | undefined) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function demo(ottoUrl: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...PRODUCTION_ENV, OTTO_URL: ottoUrl },
    stdio: 'inherit',
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the demo exited with ${code}`);
}

async function jobsSucceeded(): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    const r = await c.query<{ job_type: string; job_status: string }>(
      'SELECT job_type, job_status FROM shunya_jobs ORDER BY created_at',
    );
    return Object.fromEntries(r.rows.map((x) => [x.job_type, x.job_status]));
  } finally {
    await c.end();
  }
}

async function stopAll(procs: Proc[]): Promise<{ name: string; code: number | null; stopMs: number }[]> {
  return Promise.all(
    procs.map(async (p) => {
      const t0 = performance.now();
      p.child.kill('SIGTERM');
      const code = await Promise.race([
        p.exited,
        new Promise<'late'>((r) => setTimeout(() => r('late'), STOP_DEADLINE_MS).unref()),
      ]);
      if (code === 'late') {
        p.child.kill('SIGKILL');
        return { name: p.name, code: null, stopMs: STOP_DEADLINE_MS };
      }
      return { name: p.name, code, stopMs: Math.round(performance.now() - t0) };
    }),
  );
}

const procs: Proc[] = [];
let failed = false;
try {
  await migrateTwiceAtOnce();
  const sim = run('simulator', PRODUCTION_COMMANDS.simulator, { ...PRODUCTION_SIMULATOR_ENV }, [
    '--port',
    String(simPort),
    '--webhook-url',
    `http://127.0.0.1:${apiPorts[0]}/api/v1/shunya/webhook`,
    '--time-scale',
    '60',
  ]);
  procs.push(sim);
  const otto = (name: string, role: 'api' | 'worker', port: number) =>
    run(name, PRODUCTION_COMMANDS.otto, { OTTO_ROLE: role, PORT: String(port) });
  const apis = apiPorts.map((port, i) => otto(`api-${i + 1}`, 'api', port));
  const workers = [1, 2].map(async (n) => otto(`worker-${n}`, 'worker', await freePort()));
  procs.push(...apis, ...(await Promise.all(workers)));
  await until('the simulator answers', READY_DEADLINE_MS, () => answers(`${simUrl}/__sim/config`));
  for (const p of procs.filter((x) => x.name.startsWith('api') || x.name.startsWith('worker'))) {
    await until(`${p.name} started`, READY_DEADLINE_MS, () => startedAfter(p) !== undefined);
    p.readyMs = startedAfter(p);
  }
  for (const port of apiPorts)
    await until(`/ready on ${port}`, READY_DEADLINE_MS, () => answers(`http://127.0.0.1:${port}/ready`));
  await servesAssets(`http://127.0.0.1:${apiPorts[1]}`);
  const demoStarted = performance.now();
  await demo(`http://127.0.0.1:${apiPorts[0]}`);
  const demoMs = Math.round(performance.now() - demoStarted);
  const jobs = await jobsSucceeded();
  console.log(`jobs in the database: ${JSON.stringify(jobs)}`);
  if (Object.keys(jobs).length < 2 || Object.values(jobs).some((s) => s !== 'succeeded'))
    throw new Error('both jobs must have succeeded');
  const measured = procs.map((p) => ({
    name: p.name,
    ready_ms: p.readyMs,
    rss_mb: Math.round(rssMb(p.child.pid)),
  }));
  const stops = await stopAll(procs);
  const solo = await soloStart();
  console.log(JSON.stringify({ demo_ms: demoMs, processes: measured, stops, solo_api: solo }, null, 2));
  const unclean = stops.filter((s) => s.code !== 0);
  if (unclean.length > 0) throw new Error(`not stopped cleanly: ${JSON.stringify(unclean)}`);
  console.log(
    'production proof: 2 API + 2 worker processes of dist/ on the Postgres server, demo passed, clean stops',
  );
} catch (e) {
  failed = true;
  console.error(`production proof FAILED: ${(e as Error).message}`);
  for (const p of procs) console.error(`--- ${p.name} (last lines)\n${p.log.slice(-15).join('\n')}`);
} finally {
  for (const p of procs)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}
process.exit(failed ? 1 : 0);
