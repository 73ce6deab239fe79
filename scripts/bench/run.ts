// npm run bench [-- --quick] [--rate 120] [--seconds 60] [--tenants 20] [--flood 10000] [--concurrency 24]
//                  [--workers N --apis M] [--phases half,target,...] [--profile]
// npm run bench -- --baseline <git ref> [--rounds 2] [--rate …] [--seconds …] [--workers N --apis M]
// npm run bench -- --against <git ref> [--phases …]   the same phases, Otto from another source tree
// npm run bench -- --phases tracing [--rounds 2] [--rate …] [--together]   CPU per call, OpenTelemetry tracing off and on
//
// Drives CSR calls through CallRail's trigger against Otto and the Shunya simulator, each in its own
// process (Otto as one process, or as M API and N worker processes), on an embedded Postgres with its
// durable defaults (fsync and synchronous commit on), and measures (scripts/bench/phase.ts):
//   - idle:          no calls for 30 s (10 with --quick) after the warm-up: Otto's statements per second
//                    when nothing happens, by statement (idle.ts, D431; not in the default list);
//   - half:          zero simulated latency, half the target rate;
//   - target:        zero simulated latency, the target rate for `seconds`: sustained throughput, per-stage
//                    latency, SQL statements and CPU per call, Otto's RSS;
//   - half-reached:  half of the throughput the target phase reached: the pipeline's own latency;
//   - sla:           the seed-SLA latency profile (time scale 60);
//   - fairness:      one tenant floods `flood` calls while another sends a few, with the per-tenant quota at
//                    its default (fairness.ts) — and `fairness-off`: the same with the quota off;
//   - reference:     graphile-worker's no-op jobs/s on the same database;
//   - sim-soak:      20,000 whole calls straight at a simulator, its RSS after them, with the default
//                    retention window and a 30 s one (D290; also after --baseline).
// Every phase records Postgres's top statements by time, planning included; with --profile, Otto's V8
// CPU profile per phase too, into bench/results/<time>-profiles/ (D292).
// Not in the default list: `tracing` (D201) and `batching` (graphile-worker's batching off and on, D291).
// With --baseline, the target phase and then the half-reached phase (5 s with --quick), for the baseline and
// the working tree alternately (ab.ts, D430).
// Writes bench/results/<timestamp>.json, .md and .svg.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../../src/db/knex.ts';
import { type Machine, thisMachine } from '../lib/machine.ts';
import { ROOT } from '../lib/procs.ts';
import { compiledSimulator } from '../lib/simulator-js.ts';
import { describeLayout, layoutOf, migrate, type PgServer, startPostgres } from '../lib/stack.ts';
import { type AbResult, halfReachedRate, prepareBaseline, runAb } from './ab.ts';
import { type BatchingAbResult, batchingMarkdown, runBatchingAb } from './batching.ts';
import { type FairnessResult, runFairness } from './fairness.ts';
import { type IdleResult, idleMarkdown, runIdle } from './idle.ts';
import { quiesce } from './measure.ts';
import { type PhaseResult, progressBar, runPhase } from './phase.ts';
import { PhaseProfiler } from './profile.ts';
import { noopJobsPerSecond } from './reference.ts';
import { renderMarkdown, renderSvg } from './report.ts';
import { type SimSoakRun, SOAK_RETENTIONS, simSoak } from './simsoak.ts';
import { type System, startSystem } from './system.ts';
import { runTracingAb, type TracingAbResult, tracingMarkdown } from './tracing.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rate: { type: 'string', default: '120' },
    seconds: { type: 'string', default: '60' },
    tenants: { type: 'string', default: '20' },
    flood: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '24' },
    workers: { type: 'string' },
    apis: { type: 'string' },
    phases: {
      type: 'string',
      default: 'half,target,half-reached,sla,fairness,fairness-off,reference,sim-soak',
    },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    /** --phases tracing: off and on at the same time in each round (D362) */
    together: { type: 'boolean', default: false },
    /** run the phases against another source tree (a git ref, prepared as for --baseline) */
    against: { type: 'string' },
    /** a V8 CPU profile of Otto per phase, into bench/results/<time>-profiles/ (D292) */
    profile: { type: 'boolean', default: false },
    /** the sim-soak phase's retention windows, seconds, comma-separated (default: 3600,30) */
    'soak-windows': { type: 'string' },
  },
});
const quick = args.quick ?? false;
const settings = {
  rate: Number(args.rate),
  seconds: quick ? 10 : Number(args.seconds),
  tenants: Number(args.tenants),
  flood: quick ? 1000 : Number(args.flood),
  workerConcurrency: Number(args.concurrency),
  layout: layoutOf(
    args.workers === undefined ? undefined : Number(args.workers),
    args.apis === undefined ? undefined : Number(args.apis),
  ),
  phases: (args.phases ?? '').split(',').map((s) => s.trim()),
  quick,
};
// `tracing` (D201) is not in the default list: it asks for its own runs
const PHASES = [
  'idle',
  'half',
  'target',
  'half-reached',
  'sla',
  'fairness',
  'fairness-off',
  'reference',
  'sim-soak',
  'tracing',
  'batching',
];
for (const p of settings.phases) if (!PHASES.includes(p)) throw new Error(`--phases: unknown phase ${p}`);
const wants = (p: string) => settings.phases.includes(p);

export interface BenchResult {
  started: string;
  machine: Machine;
  settings: Record<string, unknown> & { rate: number; seconds: number; tenants: number };
  phases: PhaseResult[];
  /** statements per second with no calls (--phases idle, D431) */
  idle?: IdleResult[];
  sla?: { shunyaProcessingMsP50: number; timeScale: number };
  fairness: FairnessResult[];
  reference?: { graphileNoopJobsPerS: number; ottoCallsPerS: number; ratio: number };
  ab?: AbResult;
  /** the working tree's throughput ÷ the baseline's, with --baseline */
  abRatio?: number;
  /** CPU per call with tracing off and on (--phases tracing, D201) */
  tracing?: TracingAbResult;
  /** statements and CPU per call with graphile-worker's batching off and on (--phases batching, D291) */
  batching?: BatchingAbResult;
  /** the simulator's RSS after 20,000 calls, by retention window (D290) */
  simSoak?: SimSoakRun[];
}

const started = new Date();
const stamp = `${started.toISOString().replace(/[:.]/g, '-')}${args.baseline ? '-ab' : args.against ? '-against' : ''}`;
const resultDir = path.join(ROOT, 'bench/results');
const profiler = args.profile
  ? new PhaseProfiler(path.join(ROOT, '.tmp/bench-profiles', stamp), resultDir, stamp)
  : undefined;

/** The source tree the phases run Otto from: this repository, or --against's ref. */
let root: string | undefined;

const systemOf = (pg: PgServer, database: string, env: Record<string, string> = {}) =>
  startSystem({
    pg,
    root,
    database,
    layout: settings.layout,
    concurrency: settings.workerConcurrency,
    tenants: settings.tenants,
    env,
    ...(profiler ? { profiler } : {}),
  });

async function loadPhases(pg: PgServer, result: BenchResult): Promise<void> {
  const { rate, seconds } = settings;
  if (!['idle', 'half', 'target', 'half-reached', 'sla'].some(wants)) return;
  const sys = await systemOf(pg, 'otto_bench');
  try {
    console.log('Warm-up');
    await runPhase(sys, 'warm-up', 40, quick ? 3 : 5, progressBar);
    if (wants('idle')) {
      const s = quick ? 10 : 30;
      console.log(`Idle: no calls for ${s} s`);
      await quiesce(sys.db, 120_000, () => {});
      result.idle = [await runIdle(sys, 'after the warm-up', s)];
    }
    console.log('Zero simulated latency');
    if (wants('half'))
      result.phases.push(await runPhase(sys, 'half load', rate / 2, Math.min(seconds, 30), progressBar));
    const target = wants('target')
      ? await runPhase(sys, 'target load', rate, seconds, progressBar)
      : undefined;
    if (target) result.phases.push(target);
    // the pipeline's own overhead where Otto is not saturated: half of the throughput it reached
    if (wants('half-reached') && target) {
      const r = halfReachedRate(target);
      result.phases.push(await runPhase(sys, 'half of reached', r, Math.min(seconds, 30), progressBar));
    }
    if (wants('sla')) await slaPhase(sys, result);
  } finally {
    await sys.stop();
  }
}

async function slaPhase(sys: System, result: BenchResult): Promise<void> {
  console.log('Seed-SLA latency profile (time scale 60)');
  await sys.sim.admin('/preset', { name: 'slow' });
  await sys.sim.admin('/config', { time_scale: 60 }, 'PUT');
  result.phases.push(
    await runPhase(sys, 'SLA profile', settings.rate / 2, Math.min(settings.seconds, 30), progressBar),
  );
  const share = await sys.db.raw(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS p50 FROM (
       SELECT extract(epoch FROM sum(o.completed_at - o.submitted_at)) * 1000 AS x
       FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
       WHERE j.created_at >= now() - interval '10 minutes' AND o.status = 'completed' AND j.job_status = 'succeeded'
       GROUP BY j.id) s`,
  );
  result.sla = { shunyaProcessingMsP50: Number(share.rows[0]?.p50 ?? Number.NaN), timeScale: 60 };
  await sys.sim.admin('/preset', { name: 'happy' });
  await sys.sim.admin('/config', { time_scale: 1 }, 'PUT');
}

async function fairnessPhases(pg: PgServer, result: BenchResult): Promise<void> {
  const runs: {
    phase: string;
    label: string;
    env: Record<string, string>;
    quota: 0 | 'default';
    drain: boolean;
  }[] = [
    { phase: 'fairness', label: 'fairness (quota at its default)', env: {}, quota: 'default', drain: false },
    {
      phase: 'fairness-off',
      label: 'fairness (quota off)',
      env: { TENANT_JOBS_PER_HOUR: '0' },
      quota: 0,
      drain: true,
    },
  ];
  for (const r of runs.filter((x) => wants(x.phase))) {
    const label = args.against ? `fairness (${args.against})` : r.label;
    console.log(`Fairness: one tenant floods ${settings.flood} calls, another sends a few; ${label}`);
    const sys = await systemOf(pg, `otto_${r.phase.replace('-', '_')}`, r.env);
    try {
      result.fairness.push(
        await runFairness(
          sys,
          label,
          { flood: settings.flood, quotaPerHour: r.quota, drainFlood: r.drain },
          progressBar,
        ),
      );
    } finally {
      await sys.stop();
    }
  }
}

async function referencePhase(pg: PgServer, result: BenchResult): Promise<void> {
  if (!wants('reference')) return;
  console.log('Reference: graphile-worker no-op jobs on the same database');
  const url = await pg.createDatabase('otto_noop');
  await migrate(url);
  const db = createDb(url, 2);
  try {
    const perS = await noopJobsPerSecond(
      db,
      url,
      quick ? 5000 : 20_000,
      settings.workerConcurrency,
      progressBar,
    );
    const otto = result.phases.find((p) => p.label === 'target load')?.sustainedCallsPerS ?? Number.NaN;
    result.reference = { graphileNoopJobsPerS: perS, ottoCallsPerS: otto, ratio: otto / perS };
  } finally {
    await db.destroy();
  }
}

/** After an A/B only the default window (the run is long enough already); alone, a short one too. */
async function simSoakPhase(result: BenchResult): Promise<void> {
  result.simSoak = [];
  const windows = args['soak-windows']
    ? args['soak-windows'].split(',').map((w) => Number(w))
    : args.baseline
      ? SOAK_RETENTIONS.slice(0, 1)
      : SOAK_RETENTIONS;
  for (const w of windows)
    if (!(w > 0))
      throw new Error(`--soak-windows: ${args['soak-windows']} is not a list of positive seconds`);
  for (const retentionS of windows) {
    console.log(`Simulator soak: ${quick ? 5000 : 20_000} calls, retention ${retentionS} s`);
    result.simSoak.push(
      await simSoak(quick ? 5000 : 20_000, retentionS, progressBar, { main: compiledSimulator() }),
    );
  }
}

async function main() {
  if (profiler) await mkdir(profiler.rawDir, { recursive: true });
  const result: BenchResult = {
    started: started.toISOString(),
    machine: thisMachine(),
    settings: {
      ...settings,
      layout: describeLayout(settings.layout),
      postgres: 'embedded 17, fsync on, synchronous_commit on',
      ...(args.baseline ? { baseline: args.baseline, rounds: Number(args.rounds) } : {}),
    },
    phases: [],
    fairness: [],
  };
  console.log(
    args.baseline
      ? `Otto A/B benchmark: ${args.baseline} against the working tree, ${args.rounds} rounds each, ${settings.rate} calls/s for ${settings.seconds} s, ${describeLayout(settings.layout)}`
      : `Otto benchmark (${quick ? 'quick' : 'full'}): ${settings.rate} calls/s for ${settings.seconds} s over ${settings.tenants} tenants, ${describeLayout(settings.layout)}`,
  );
  // BENCH_EXPLAIN_LOG=<file>: the slow statements' plans as they ran (auto_explain, D531); it slows them
  const explainLog = process.env.BENCH_EXPLAIN_LOG;
  const pg = await startPostgres({
    durable: true,
    statements: true,
    ...(explainLog
      ? { explain: { file: explainLog, minMs: Number(process.env.BENCH_EXPLAIN_MIN_MS ?? 2) } }
      : {}),
  });
  try {
    if (args.baseline) {
      const ab = await runAb(
        pg,
        {
          ref: args.baseline,
          rounds: Number(args.rounds),
          rate: settings.rate,
          seconds: settings.seconds,
          halfSeconds: quick ? 5 : Math.min(settings.seconds, 30),
          tenants: settings.tenants,
          concurrency: settings.workerConcurrency,
          layout: settings.layout,
          warmupSeconds: quick ? 3 : 5,
          ...(profiler ? { profiler } : {}),
        },
        progressBar,
      );
      result.ab = ab;
      result.abRatio = ab.abRatio;
      await simSoakPhase(result);
    } else {
      if (args.against) {
        const tree = await prepareBaseline(args.against);
        root = tree.root;
        result.settings.against = `${args.against} (${tree.commit})`;
      }
      await loadPhases(pg, result);
      await fairnessPhases(pg, result);
      await referencePhase(pg, result);
      if (wants('tracing'))
        result.tracing = await runTracingAb(
          pg,
          {
            rounds: Number(args.rounds),
            rate: settings.rate / 2,
            seconds: Math.min(settings.seconds, 30),
            tenants: settings.tenants,
            concurrency: settings.workerConcurrency,
            layout: settings.layout,
            root,
            together: args.together,
            ...(profiler ? { profiler } : {}),
          },
          progressBar,
        );
      if (wants('batching'))
        result.batching = await runBatchingAb(
          pg,
          {
            rounds: Number(args.rounds),
            rate: settings.rate,
            seconds: settings.seconds,
            tenants: settings.tenants,
            concurrency: settings.workerConcurrency,
            layout: settings.layout,
          },
          progressBar,
        );
      if (wants('sim-soak')) await simSoakPhase(result);
    }
  } finally {
    await pg.stop();
    if (profiler) await rm(profiler.rawDir, { recursive: true, force: true });
  }
  const dir = resultDir;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(dir, `${stamp}.svg`), renderSvg(result));
  const idle = result.idle ? `\n${idleMarkdown(result.idle).join('\n')}` : '';
  const markdown = `${renderMarkdown(result, `${stamp}.svg`)}${idle}${result.tracing ? `\n${tracingMarkdown(result.tracing)}` : ''}${result.batching ? `\n${batchingMarkdown(result.batching)}` : ''}`;
  await writeFile(path.join(dir, `${stamp}.md`), markdown);
  console.log(`\n${markdown}\nWritten to bench/results/${stamp}.{json,md,svg}`);
}

await main();
process.exit(0);
