// npm run chaos [-- --short] [--workers 2] [--apis 2] [--calls 10000] [--tenants 20] [--rate 20]
//                [--visits 0.2] [--duplicates 0.05] [--kill-every 10] [--fault-rate 0.3] [--seed 1] [--deadline 3600]
//
// Exactly-once under chaos, with every part in its own process (scripts/lib/stack.ts): Postgres
// (embedded), the Shunya simulator under its chaos preset (every fault kind; `--fault-rate` of requests,
// webhooks and jobs hit), and Otto as `--apis` API processes and `--workers` worker processes, supervised
// (restarted when they die). While CallRail triggers and recording uploads arrive across tenants (some
// delivered twice, as CallRail retries; load.ts), one Otto process is SIGKILLed every `--kill-every`
// seconds, workers and API processes in turn, and Postgres is restarted once. Every tenant's event stream
// is consumed throughout (streams.ts); admission is sampled every second (monitor.ts).
//
// At the end every invariant of checks.ts is counted; the run prints the figures, writes
// bench/results/chaos-<time>.{json,md} (process logs in bench/results/chaos-<time>/) and exits non-zero on
// any violation.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { loadConfig } from '../../src/config.ts';
import { createDb, type Db } from '../../src/db/knex.ts';
import { thisMachine } from '../lib/machine.ts';
import { ROOT } from '../lib/procs.ts';
import {
  describeLayout,
  type Fleet,
  layoutOf,
  migrate,
  type PgServer,
  type Simulator,
  startFleet,
  startPostgres,
  startSimulator,
} from '../lib/stack.ts';
import { createTenants, webhookRoutes } from '../lib/tenants.ts';
import { coverage, runChecks } from './checks.ts';
import { type ChaosTenant, type Deliverer, deliverer, type Item, planItems, prng } from './load.ts';
import { monitorAdmission } from './monitor.ts';
import { type ChaosResult, type Figures, newFigures, renderChaos } from './report.ts';
import { consumeStreams, type Streams } from './streams.ts';

const { values: a } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    workers: { type: 'string', default: '2' },
    apis: { type: 'string', default: '2' },
    calls: { type: 'string' },
    tenants: { type: 'string' },
    rate: { type: 'string' },
    visits: { type: 'string', default: '0.2' },
    duplicates: { type: 'string', default: '0.05' },
    'kill-every': { type: 'string', default: '10' },
    'fault-rate': { type: 'string', default: '0.3' },
    seed: { type: 'string', default: '1' },
    deadline: { type: 'string' },
  },
});
const SHORT = a.short ?? false;
const S = {
  calls: Number(a.calls ?? (SHORT ? 160 : 10_000)),
  tenants: Number(a.tenants ?? (SHORT ? 4 : 20)),
  rate: Number(a.rate ?? (SHORT ? 4 : 20)),
  visits: Number(a.visits),
  duplicates: Number(a.duplicates),
  killEveryS: Number(a['kill-every']),
  faultRate: Number(a['fault-rate']),
  seed: Number(a.seed),
  deadlineS: Number(a.deadline ?? (SHORT ? 420 : 3600)),
  layout: layoutOf(Number(a.workers), Number(a.apis)),
};
const ADMIN = 'chaos-admin-token';
// Shorter retry and poll delays than production's (5 s … 300 s), so that a faulted job finishes within the
// run; everything else is Otto's production configuration.
const OTTO_ENV = {
  NODE_ENV: 'development',
  OTTO_ADMIN_TOKEN: ADMIN,
  LOG_LEVEL: 'info',
  UWC_TIMEOUT_MS: '5000',
  UWC_RETRY_DELAYS_MS: '200,500,1000',
  UWC_BREAKER_COOLDOWN_MS: '2000',
  JOB_RETRY_DELAYS_S: '1,2,5,10,20',
  POLL_DELAYS_S: '2,5,10,20,30',
  WORKER_HEARTBEAT_MS: '1000',
  WORKER_DEAD_AFTER_MS: '5000',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const say = (line: string) => console.log(`${elapsed()}  ${line}`);
const status = (line: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r${elapsed()}  ${line}`.padEnd(110));
};
const violations: string[] = [];
const violate = (what: string) => {
  violations.push(what);
  if (violations.length <= 50) say(`VIOLATION: ${what}`);
};

/** One SIGKILL every `everyS` seconds, a worker and an API process in turn (the supervisor restarts them). */
function killer(fleet: Fleet, everyS: number): () => void {
  let k = 0;
  const timer = setInterval(() => {
    const n = k++;
    const pool = n % 2 === 1 && fleet.apis.length > 0 ? fleet.apis : fleet.workers;
    const target = pool[Math.floor(n / 2) % pool.length];
    if (target) void fleet.kill(target);
  }, everyS * 1000);
  return () => clearInterval(timer);
}

interface Stack {
  pg: PgServer;
  db: Db;
  sim: Simulator;
  fleet: Fleet;
  tenants: ChaosTenant[];
  faultRules: { kind: string; probability: number }[];
}

/** Postgres, the simulator under its chaos preset, Otto's supervised processes, and the tenants. */
async function startStack(logDir: string): Promise<Stack> {
  const pg = await startPostgres({ durable: false });
  const dbUrl = await pg.createDatabase('otto_chaos');
  await migrate(dbUrl);
  const db = createDb(dbUrl, 4);
  const sim = await startSimulator({
    webhookUrl: 'http://127.0.0.1:9/unused',
    argv: ['--time-scale', '60', '--seed', String(S.seed)],
    logFile: path.join(logDir, 'simulator.log'),
  });
  const preset = await sim.admin<{ faults: { kind: string; probability: number }[] }>('/preset', {
    name: 'chaos',
    options: { rate: S.faultRate },
  });
  const fleet = await startFleet({
    layout: S.layout,
    dbUrl,
    env: { ...OTTO_ENV, UWC_BASE_URL: sim.url },
    logDir,
    supervise: true,
  });
  const tenants: ChaosTenant[] = await Promise.all(
    (
      await createTenants(fleet.apiUrls[0] as string, ADMIN, S.tenants, {
        name: 'Chaos tenant',
        callrailBase: 800_000_000,
      })
    ).map(async (t) => ({ ...t, token: await mintDevToken(config, t.id, { role: 'manager', ttl: '12h' }) })),
  );
  await sim.admin('/config', { webhook_url: `${fleet.apiUrls[0]}/api/v1/shunya/webhook` }, 'PUT');
  await sim.admin('/config', { tenants: webhookRoutes(tenants, fleet.apiUrls) }, 'PUT');
  return { pg, db, sim, fleet, tenants, faultRules: preset.faults };
}

/** One Postgres restart (fast shutdown, 3 s down), 40 % into the sending. */
async function restartPostgresOnce(pg: PgServer, figures: Figures): Promise<void> {
  await sleep(Math.max(5, (S.calls / S.rate) * 0.4) * 1000);
  say('restarting Postgres (fast shutdown, 3 s down, start)');
  figures.postgresDownMs = await pg.restart(3000);
  figures.postgresRestarts++;
  say(`Postgres is back after ${figures.postgresDownMs} ms`);
}

/** Sends at `rate` per second, each delivery retried until acknowledged; duplicates a few seconds later. */
async function sendLoad(items: Item[], deliver: Deliverer['deliver'], figures: Figures, rnd: () => number) {
  const deliveries: Promise<void>[] = [];
  const sendStart = Date.now();
  for (const item of items) {
    const due = sendStart + (item.n * 1000) / S.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    deliveries.push(
      deliver(item, false).then(async () => {
        if (!item.twice || !item.ack) return;
        figures.triggers.duplicatesSent++;
        await sleep(rnd() * 3000);
        await deliver(item, true);
      }),
    );
    if (item.n % 20 === 0)
      status(`sending ${item.n}/${S.calls}, acknowledged ${figures.triggers.acknowledged}`);
  }
  await Promise.all(deliveries);
}

/** Waits, the chaos going on, until every job has ended (or the deadline); returns how many are open. */
async function waitForJobsToEnd(db: Db, fleet: Fleet, acknowledged: number): Promise<number> {
  const deadline = started + S.deadlineS * 1000;
  let open = Number.POSITIVE_INFINITY;
  while (Date.now() < deadline) {
    try {
      const r = await db.raw(
        `SELECT count(*) FILTER (WHERE job_status IN ('pending', 'running'))::int AS open, count(*)::int AS all FROM shunya_jobs`,
      );
      open = r.rows[0].open;
      status(
        `jobs not yet terminal: ${open} of ${r.rows[0].all}; kills ${JSON.stringify(fleet.figures.kills)}`,
      );
      if (open === 0 && r.rows[0].all >= acknowledged) break;
    } catch {
      // Postgres restarting
    }
    await sleep(2000);
  }
  return open;
}

/** Lets the relay publish the last events and every tenant's stream catch up. */
async function waitForStreams(db: Db, tenants: ChaosTenant[], streams: Streams): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const rows = (
      await db.raw(
        'SELECT company_id, count(*)::int AS n, count(position)::int AS published FROM outbox_events GROUP BY company_id',
      )
    ).rows as { company_id: string; n: number; published: number }[];
    const caughtUp = tenants.every((t) => {
      const row = rows.find((r) => r.company_id === t.id);
      return !row || (row.published === row.n && (streams.received.get(t.id)?.length ?? 0) >= row.n);
    });
    if (caughtUp) break;
    await sleep(500);
  }
  await sleep(1000); // anything delivered twice would arrive now
}

async function stopStack({ pg, db, sim, fleet }: Stack, streams: Streams): Promise<void> {
  await streams.stop();
  await fleet.stop();
  sim.proc.child.kill('SIGTERM');
  await Promise.race([sim.proc.exited, sleep(10_000)]);
  await db.destroy();
  await pg.stop();
}

const config = loadConfig({});

async function main() {
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(ROOT, 'bench/results');
  const logDir = path.join(resultsDir, `chaos-${stamp}`);
  await mkdir(logDir, { recursive: true });
  console.log(
    `Chaos run${SHORT ? ' (short)' : ''}: ${S.calls} triggers (${S.visits * 100} % sales visits, ${S.duplicates * 100} % delivered twice) ` +
      `over ${S.tenants} tenants at ${S.rate}/s; simulator chaos preset at ${S.faultRate * 100} %; ${describeLayout(S.layout)}, ` +
      `one SIGKILLed every ${S.killEveryS} s; one Postgres restart. Logs: ${path.relative(ROOT, logDir)}/`,
  );
  const stack = await startStack(logDir);
  const { db, fleet, tenants } = stack;
  const figures = newFigures();
  const streams = consumeStreams(tenants, fleet.apiUrls, figures);
  const monitor = monitorAdmission(db, config.jobs.tenantMaxConcurrent, violate);
  const rnd = prng(S.seed);
  const items = planItems(tenants, S, rnd);
  const { deliver } = deliverer(fleet.apiUrls, figures, violate, S.deadlineS);

  const stopKilling = killer(fleet, S.killEveryS);
  const pgRestart = restartPostgresOnce(stack.pg, figures);
  await sendLoad(items, deliver, figures, rnd);
  await pgRestart;
  say(
    `all ${S.calls} triggers acknowledged (${figures.triggers.retries} retries, statuses ${JSON.stringify(figures.triggers.statuses)})`,
  );
  const open = await waitForJobsToEnd(db, fleet, figures.triggers.acknowledged);
  stopKilling();
  monitor.stop();
  if (process.stderr.isTTY) process.stderr.write('\n');
  say(
    `${open === 0 ? 'every job ended' : `${open} jobs still open at the deadline`}; kills ${JSON.stringify(fleet.figures.kills)}`,
  );
  await waitForStreams(db, tenants, streams);

  const checks = await runChecks({ db, items, tenants, received: streams.received, violate });
  checks['samples with a tenant over its concurrency limit'] = monitor.overLimit;
  checks['samples with a slot count that is not the running jobs'] = monitor.countOff;
  checks['samples with jobs locked by a process marked stopped'] = monitor.orphanedLocks;
  const jobs = (
    await db.raw(
      'SELECT job_type, job_status, count(*)::int AS n FROM shunya_jobs GROUP BY 1, 2 ORDER BY 1, 2',
    )
  ).rows;
  const webhookDeliveries = (
    await db.raw('SELECT verdict, count(*)::int AS n FROM webhook_deliveries GROUP BY 1 ORDER BY 2 DESC')
  ).rows;
  const simulator = await stack.sim.admin<{ fault_hits: Record<string, number> }>('/stats');
  for (const e of fleet.figures.unexpectedExits)
    violate(`${e.process} exited unexpectedly (${e.code ?? e.signal}) at ${(e.atMs / 1000).toFixed(0)} s`);
  await stopStack(stack, streams);

  const result: ChaosResult = {
    started: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine: thisMachine(),
    settings: {
      short: SHORT,
      calls: S.calls,
      tenants: S.tenants,
      rate: S.rate,
      faultRate: S.faultRate,
      killEveryS: S.killEveryS,
      seed: S.seed,
      layout: describeLayout(S.layout),
      faultRules: stack.faultRules.map((r) => `${r.kind} p=${r.probability.toFixed(3)}`),
      otto: OTTO_ENV,
    },
    figures,
    processes: fleet.figures,
    admission: {
      countOff: monitor.countOff,
      orphanedLocks: monitor.orphanedLocks,
      samples: monitor.samples,
      overLimit: monitor.overLimit,
      maxRunning: monitor.maxRunning,
      limit: config.jobs.tenantMaxConcurrent,
    },
    jobs,
    webhookDeliveries,
    simulator,
    checks,
    coverage,
    violations,
  };
  await writeFile(path.join(resultsDir, `chaos-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const md = renderChaos(result);
  await writeFile(path.join(resultsDir, `chaos-${stamp}.md`), md);
  console.log(`\n${md}\nWritten to bench/results/chaos-${stamp}.{json,md}`);
  process.exit(violations.length === 0 ? 0 : 1);
}

process.on('unhandledRejection', (e) => {
  console.error('chaos run failed:', e);
  process.exit(2);
});
await main();
