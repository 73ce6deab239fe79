// npm run bench [-- --quick] [--rate 120] [--seconds 60] [--tenants 20] [--flood 10000] [--profile]
//
// Drives CSR calls through CallRail's trigger against Otto and the Shunya simulator, each in its own
// process, on a fresh embedded Postgres with its durable defaults (fsync on), and measures:
//   - zero simulated latency, half the target rate: webhook in → readable, end to end;
//   - zero simulated latency, the target rate for `seconds`: sustained throughput, per-stage latency,
//     SQL statements per call (pg_stat_statements), Otto's RSS;
//   - the seed-SLA latency profile (time scale 60): end to end, and Otto's own share of it;
//   - fairness: one tenant floods `flood` calls while another sends a few: the second tenant's latency;
//   - graphile-worker's raw no-op jobs/s on the same database and machine, as the reference ratio.
// Writes bench/results/<timestamp>.json, .md and .svg.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { run as runGraphile } from 'graphile-worker';
import pg from 'pg';
import { createDb } from '../../src/db/knex.ts';
import { migrateAll } from '../../src/db/migrate.ts';
import { startThrowawayPostgres } from '../../src/db/throwaway.ts';
import { withDatabase } from '../../src/db/url.ts';
import { freePort } from '../../src/util/net.ts';
import { ROOT, startNode } from '../lib/procs.ts';
import { cpuDelta, cpuSnapshot } from './cpu.ts';
import { burst, openLoop, postCall, type Sent, type Tenant } from './load.ts';
import { type Dist, dist, drain, quiesce, readPhase } from './measure.ts';
import { renderMarkdown, renderSvg } from './report.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rate: { type: 'string', default: '120' },
    seconds: { type: 'string', default: '60' },
    tenants: { type: 'string', default: '20' },
    flood: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '24' },
    /** writes a V8 CPU profile of Otto to bench/results/profiles/ */
    profile: { type: 'boolean', default: false },
  },
});
const quick = args.quick ?? false;
const RATE = Number(args.rate);
const SECONDS = quick ? 10 : Number(args.seconds);
const TENANTS = Number(args.tenants);
const FLOOD = quick ? 1000 : Number(args.flood);
const CONCURRENCY = Number(args.concurrency);
const ADMIN = 'bench-admin-token';

const progress = (label: string, done: number, total: number, extra = '') => {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(
    `\r  ${label.padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${extra}    `,
  );
  if (done >= total) process.stderr.write('\n');
};

/** CPU seconds of this process alone (its children, Otto and the simulator, are counted apart). */
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const rssMb = (pid: number | undefined) => {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
};

async function main() {
  const started = new Date();
  console.log(
    `Otto benchmark (${quick ? 'quick' : 'full'}): ${RATE} calls/s for ${SECONDS} s over ${TENANTS} tenants`,
  );
  const server = await startThrowawayPostgres({
    useDatabaseUrl: false,
    settings: {
      fsync: 'on',
      synchronous_commit: 'on',
      full_page_writes: 'on',
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track_planning': 'on',
    },
  });
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE otto_bench');
  const url = withDatabase(server.adminUrl, 'otto_bench');
  const db = createDb(url, 6);
  await db.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await migrateAll(db, url);

  const simPort = await freePort();
  const ottoPort = await freePort();
  const ottoUrl = `http://127.0.0.1:${ottoPort}`;
  const simUrl = `http://127.0.0.1:${simPort}`;
  const sim = await startNode('simulator', 'simulator/main.ts', {
    env: { LOG_LEVEL: 'warn' },
    ready: /listening on/,
    argv: [
      ...['--port', String(simPort), '--preset', 'happy', '--time-scale', '1', '--seed', '1'],
      ...['--webhook-url', `${ottoUrl}/api/v1/shunya/webhook`],
    ],
  });
  const profileArgs = args.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench/results/profiles')}`]
    : [];
  const otto = spawn(process.execPath, [...profileArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(ottoPort),
      UWC_BASE_URL: simUrl,
      LOG_LEVEL: 'warn',
      OTTO_ADMIN_TOKEN: ADMIN,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      DB_POOL_MAX: String(CONCURRENCY),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // with LOG_LEVEL=warn Otto prints nothing on start: wait for its readiness
  for (let i = 0; ; i++) {
    if (
      await fetch(`${ottoUrl}/ready`)
        .then((r) => r.status === 200)
        .catch(() => false)
    )
      break;
    if (i > 300 || otto.exitCode !== null) throw new Error('Otto did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }

  const tenants: Tenant[] = [];
  for (let i = 0; i < TENANTS + 2; i++) {
    const key = randomBytes(16).toString('hex');
    const res = await fetch(`${ottoUrl}/api/v1/ops/companies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `Bench tenant ${i}`,
        callrail_company_id: String(900_000_000 + i),
        callrail_signing_key: key,
      }),
    });
    const c = await res.json();
    tenants.push({ id: c.id, callrailCompanyId: c.callrail_company_id, signingKey: key });
  }
  const loadTenants = tenants.slice(0, TENANTS);
  const [flooder, bystander] = tenants.slice(TENANTS) as [Tenant, Tenant];

  const dataDir = (await db.raw(`SELECT setting FROM pg_settings WHERE name = 'data_directory'`)).rows[0]
    .setting as string;
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = () => ({ otto: otto.pid, simulator: sim.child.pid, postgres: postmaster });

  const rss: number[] = [];
  const rssTimer = setInterval(() => rss.push(rssMb(otto.pid)), 500);
  const simRss: number[] = [];
  const simTimer = setInterval(() => simRss.push(rssMb(sim.child.pid)), 1000);

  const sqlCalls = async () =>
    Number(
      (
        await db.raw(
          `SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'otto_bench')`,
        )
      ).rows[0].n,
    );

  const sqlCensus = async () =>
    (
      await db.raw(
        `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query, calls::int AS calls,
                round(total_exec_time::numeric, 1)::float AS total_ms, round(mean_exec_time::numeric, 3)::float AS mean_ms,
                round(total_plan_time::numeric, 1)::float AS plan_ms
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'otto_bench')
         ORDER BY calls DESC LIMIT 80`,
      )
    ).rows as { query: string; calls: number; total_ms: number; mean_ms: number; plan_ms: number }[];
  const sqlTimes = async () =>
    (
      await db.raw(
        `SELECT coalesce(sum(total_exec_time), 0)::float AS exec_ms, coalesce(sum(total_plan_time), 0)::float AS plan_ms
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'otto_bench')`,
      )
    ).rows[0] as { exec_ms: number; plan_ms: number };

  async function phase(label: string, rate: number, seconds: number) {
    // the previous phase's unfinished calls (an overloaded phase leaves a backlog) finish first
    const quiesceT0 = Date.now();
    let backlog0 = -1;
    const startedWithBacklog = await quiesce(db, 900_000, (left) => {
      if (backlog0 < 0) backlog0 = left;
      if (backlog0 > 0) progress(`${label}: previous backlog`, backlog0 - left, backlog0);
    });
    const backlogWaitS = (Date.now() - quiesceT0) / 1000;
    await db.raw('SELECT pg_stat_statements_reset()');
    const sqlBefore = await sqlCalls();
    rss.length = 0;
    const t0 = Date.now();
    const cpu0 = cpuSnapshot(pids());
    const own0 = ownCpu();
    const sent = await openLoop(ottoUrl, loadTenants, rate, seconds, (n, total) =>
      progress(`${label}: sending`, n, total),
    );
    const sendSeconds = (Date.now() - t0) / 1000;
    const ids = sent.map((s) => s.callId).filter((x): x is string => !!x);
    const missing = await drain(db, ids, 120_000, (done) =>
      progress(`${label}: completing`, done, ids.length),
    );
    const cpu = { ...cpuDelta(cpu0, cpuSnapshot(pids())), loadGenerator: ownCpu() - own0 };
    const wall = (Date.now() - t0) / 1000;
    const rows = await readPhase(db, ids);
    const sql = (await sqlCalls()) - sqlBefore;
    const topStatements = await sqlCensus();
    const times = await sqlTimes();
    const succeeded = rows.jobs.find((j) => j.status === 'succeeded')?.n ?? 0;
    const spanS =
      rows.firstCreated && rows.lastCompleted
        ? (new Date(rows.lastCompleted).getTime() - new Date(rows.firstCreated).getTime()) / 1000
        : Number.NaN;
    // sustained: completions per second over the seconds the load was offered (after a 2 s ramp)
    const window = rows.timeline.filter((p) => p.second >= 2 && p.second < Math.floor(sendSeconds));
    const sustained = window.length
      ? window.reduce((a, p) => a + p.completed, 0) / window.length
      : Number.NaN;
    return {
      label,
      offeredRate: rate,
      seconds,
      sent: sent.length,
      rejected: sent.filter((s) => s.status !== 202).length,
      succeeded,
      notTerminal: missing,
      /** seconds spent waiting for the previous phase's backlog before this one started */
      backlogWaitS,
      /** jobs of earlier phases still unfinished when this phase started (0 unless the wait timed out) */
      startedWithBacklog,
      jobs: rows.jobs,
      throughputCallsPerS: succeeded / spanS,
      sustainedCallsPerS: sustained,
      triggerHttpMs: dist(sent.map((s) => s.ms)),
      triggerToSubmittedMs: dist(rows.triggerToSubmittedMs),
      webhookToReadableMs: dist(rows.webhookToReadableMs),
      endToEndMs: dist(rows.e2eMs),
      sqlStatementsPerCall: sql / Math.max(succeeded, 1),
      /** Postgres's own execution and planning time per call (pg_stat_statements), lock waits included */
      sqlExecMsPerCall: times.exec_ms / Math.max(succeeded, 1),
      sqlPlanMsPerCall: times.plan_ms / Math.max(succeeded, 1),
      /** CPU milliseconds per call, by process, and the share of the machine's 2 cores used */
      cpuMsPerCall: Object.fromEntries(
        Object.entries(cpu).map(([k, v]) => [k, (v * 1000) / Math.max(succeeded, 1)]),
      ),
      machineCpuUse: Object.values(cpu).reduce((a, b) => a + b, 0) / (wall * cpus().length),
      ottoRssMb: dist(rss.filter(Number.isFinite)),
      timeline: rows.timeline,
      /** the 80 most frequent statements of this phase (for profiling) */
      topStatements: topStatements.map((t) => ({ ...t, perCall: t.calls / Math.max(succeeded, 1) })),
    };
  }

  console.log('Warm-up');
  await phase('warm-up', 40, quick ? 3 : 5);
  console.log('Zero simulated latency');
  const half = await phase('half load', RATE / 2, Math.min(SECONDS, 30));
  const full = await phase('target load', RATE, SECONDS);
  // the pipeline's own overhead where Otto is not saturated: half of the throughput it reached
  const halfReached = await phase(
    'half of reached',
    Math.max(2, Math.round(full.throughputCallsPerS / 2)),
    Math.min(SECONDS, 30),
  );

  console.log('Seed-SLA latency profile (time scale 60)');
  const simAdmin = (p: string, body: unknown, method = 'POST') =>
    fetch(`${simUrl}/__sim${p}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await simAdmin('/preset', { name: 'slow' });
  await simAdmin('/config', { time_scale: 60 }, 'PUT');
  const sla = await phase('SLA profile', RATE / 2, Math.min(SECONDS, 30));
  const shunyaShare = await db.raw(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS p50 FROM (
       SELECT extract(epoch FROM sum(o.completed_at - o.submitted_at)) * 1000 AS x
       FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
       WHERE j.created_at >= now() - interval '10 minutes' AND o.status = 'completed' AND j.job_status = 'succeeded'
       GROUP BY j.id) s`,
  );
  await simAdmin('/preset', { name: 'happy' });
  await simAdmin('/config', { time_scale: 1 }, 'PUT');

  console.log('Fairness: one tenant floods, another sends a few');
  let flooding = true;
  const bystanderSent: Sent[] = [];
  const floodPromise = burst(ottoUrl, flooder, FLOOD, 64, (n) => progress('flood: sending', n, FLOOD)).then(
    (r) => {
      flooding = false;
      return r;
    },
  );
  while (flooding) {
    bystanderSent.push(await postCall(ottoUrl, bystander));
    await new Promise((r) => setTimeout(r, 250));
  }
  const floodSent = await floodPromise;
  const floodIds = floodSent.map((s) => s.callId).filter((x): x is string => !!x);
  const bystanderIds = bystanderSent.map((s) => s.callId).filter((x): x is string => !!x);
  await drain(db, bystanderIds, 60_000);
  const bystanderRows = await readPhase(db, bystanderIds);
  const floodMissing = await drain(db, floodIds, 600_000, (done) =>
    progress('flood: completing', done, floodIds.length),
  );
  const floodRows = await readPhase(db, floodIds);
  const fairness = {
    flood: FLOOD,
    floodSucceeded: floodRows.jobs.find((j) => j.status === 'succeeded')?.n ?? 0,
    floodNotTerminal: floodMissing,
    floodEndToEndMs: dist(floodRows.e2eMs),
    bystanderCalls: bystanderIds.length,
    bystanderEndToEndMs: dist(bystanderRows.e2eMs),
    bystanderTriggerToSubmittedMs: dist(bystanderRows.triggerToSubmittedMs),
  };

  clearInterval(rssTimer);
  clearInterval(simTimer);
  otto.kill('SIGTERM');
  sim.child.kill('SIGTERM');
  await new Promise((r) => otto.once('exit', r));

  console.log('Reference: graphile-worker no-op jobs on the same database');
  const noopJobs = quick ? 5000 : 20_000;
  await db.raw(`SELECT graphile_worker.add_job('bench_noop', '{}'::json) FROM generate_series(1, ?)`, [
    noopJobs,
  ]);
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY + 4 });
  pool.on('error', () => {});
  const t0 = performance.now();
  let doneNoop = 0;
  const runner = await runGraphile({
    pgPool: pool,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: new (await import('graphile-worker')).Logger(() => () => {}),
    taskList: {
      bench_noop: async () => {
        doneNoop++;
      },
    },
  });
  while (doneNoop < noopJobs) {
    progress('no-op jobs', doneNoop, noopJobs);
    await new Promise((r) => setTimeout(r, 200));
  }
  progress('no-op jobs', noopJobs, noopJobs);
  const noopPerS = noopJobs / ((performance.now() - t0) / 1000);
  await runner.stop();
  await pool.end();
  const graphileJobsPerCall = Number(
    (
      await db.raw(
        `SELECT count(*)::float / nullif((SELECT count(*) FROM shunya_jobs), 0) AS r FROM shunya_operations`,
      )
    ).rows[0].r,
  );

  const result = {
    started: started.toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    settings: {
      rate: RATE,
      seconds: SECONDS,
      tenants: TENANTS,
      workerConcurrency: CONCURRENCY,
      postgres: 'embedded 17, fsync on, synchronous_commit on',
      quick,
    },
    phases: [half, full, halfReached, sla],
    sla: { shunyaProcessingMsP50: Number(shunyaShare.rows[0]?.p50 ?? Number.NaN), timeScale: 60 },
    fairness,
    reference: {
      graphileNoopJobsPerS: noopPerS,
      ottoCallsPerS: full.sustainedCallsPerS,
      ratio: full.sustainedCallsPerS / noopPerS,
      shunyaOperationsPerJob: graphileJobsPerCall,
    },
    simulatorRssMb: dist(simRss.filter(Number.isFinite)),
  };

  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const dir = path.join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(dir, `${stamp}.svg`), renderSvg(result));
  await writeFile(path.join(dir, `${stamp}.md`), renderMarkdown(result, `${stamp}.svg`));
  console.log(`\n${renderMarkdown(result, `${stamp}.svg`)}\nWritten to bench/results/${stamp}.{json,md,svg}`);

  await db.destroy();
  await admin.end();
  await server.stop();
}

export type BenchResult = {
  started: string;
  machine: { cpus: number; cpuModel: string | undefined; memoryGiB: number; node: string };
  settings: Record<string, unknown>;
  phases: {
    label: string;
    offeredRate: number;
    sent: number;
    rejected: number;
    succeeded: number;
    notTerminal: number;
    backlogWaitS: number;
    startedWithBacklog: number;
    throughputCallsPerS: number;
    sustainedCallsPerS: number;
    triggerHttpMs: Dist;
    triggerToSubmittedMs: Dist;
    webhookToReadableMs: Dist;
    endToEndMs: Dist;
    sqlStatementsPerCall: number;
    cpuMsPerCall: Record<string, number>;
    machineCpuUse: number;
    ottoRssMb: Dist;
    timeline: { second: number; completed: number }[];
    sqlExecMsPerCall: number;
    sqlPlanMsPerCall: number;
    topStatements: {
      query: string;
      calls: number;
      total_ms: number;
      mean_ms: number;
      plan_ms: number;
      perCall: number;
    }[];
  }[];
  sla: { shunyaProcessingMsP50: number; timeScale: number };
  fairness: {
    flood: number;
    floodSucceeded: number;
    floodNotTerminal: number;
    floodEndToEndMs: Dist;
    bystanderCalls: number;
    bystanderEndToEndMs: Dist;
    bystanderTriggerToSubmittedMs: Dist;
  };
  reference: {
    graphileNoopJobsPerS: number;
    ottoCallsPerS: number;
    ratio: number;
    shunyaOperationsPerJob: number;
  };
  simulatorRssMb: Dist;
};

await main();
process.exit(0);
