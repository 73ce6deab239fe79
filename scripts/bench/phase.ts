// One load phase: wait for the previous phase's backlog, send CSR calls open-loop at `rate` for
// `seconds`, wait for them to finish, and measure throughput, latencies, statements, CPU and memory.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { cpuDelta, cpuSnapshot } from './cpu.ts';
import { openLoop } from './load.ts';
import { type Dist, dist, drain, quiesce, readPhase } from './measure.ts';
import { type PgCpuResult, PgCpuSampler, SAMPLER_GROUP } from './pgcpu.ts';
import type { ProfileSummary } from './profile.ts';
import {
  resetStatements,
  type StatementRow,
  statementTotals,
  type TimedStatementRow,
  topStatements,
  topStatementsByTime,
} from './sql.ts';
import type { System } from './system.ts';

export interface PhaseResult {
  label: string;
  offeredRate: number;
  seconds: number;
  sent: number;
  rejected: number;
  succeeded: number;
  notTerminal: number;
  /** seconds spent waiting for the previous phase's backlog before this one started */
  backlogWaitS: number;
  /** jobs of earlier phases still unfinished when this phase started (0 unless the wait timed out) */
  startedWithBacklog: number;
  jobs: { status: string; n: number }[];
  throughputCallsPerS: number;
  sustainedCallsPerS: number;
  triggerHttpMs: Dist;
  triggerToSubmittedMs: Dist;
  webhookToReadableMs: Dist;
  endToEndMs: Dist;
  sqlStatementsPerCall: number;
  /** Postgres's own execution and planning time per call (pg_stat_statements), lock waits included */
  sqlExecMsPerCall: number;
  sqlPlanMsPerCall: number;
  /** CPU milliseconds per call, by process (all Otto processes together) */
  cpuMsPerCall: Record<string, number>;
  /** the share of the machine's cores used during the phase */
  machineCpuUse: number;
  ottoRssMb: Dist;
  timeline: { second: number; completed: number }[];
  /** the 80 most frequent statements of this phase (for profiling) */
  topStatements: (StatementRow & { perCall: number })[];
  /** Shunya webhook deliveries received during the phase, by verdict, per call */
  webhookVerdictsPerCall: Record<string, number>;
  /** the statements that cost Postgres the most time in this phase, planning included (D292) */
  topStatementsByTime: (TimedStatementRow & { perCall: number })[];
  /** the simulator's RSS once the phase's calls finished, and the transcriptions it took since it started
   * (every phase on one system shares one simulator), with the records its retention window holds (D290) */
  simulator?: { rssMb: number; transcriptionsSinceStart: number; jobsHeld: number; idempotencyKeys: number };
  /** Otto's V8 CPU profile over the phase (--profile, D292) */
  profile?: ProfileSummary;
  /** Postgres's CPU by process group, WAL, checkpoints, autovacuum and backend churn over the phase (D530);
   * its groups sum to cpuMsPerCall.postgres plus the sampler's own backend, which that figure leaves out */
  postgres?: PgCpuResult;
}

export type Progress = (label: string, done: number, total: number) => void;

/** CPU seconds of this process alone (Otto, the simulator and Postgres are counted apart). */
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const rssMb = (pids: number[]) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
    } catch {
      return sum;
    }
  }, 0);

export async function runPhase(
  sys: System,
  label: string,
  rate: number,
  seconds: number,
  progress: Progress,
): Promise<PhaseResult> {
  const { db } = sys;
  // the previous phase's unfinished calls (an overloaded phase leaves a backlog) finish first
  const quiesceT0 = Date.now();
  let backlog0 = -1;
  const startedWithBacklog = await quiesce(db, 900_000, (left) => {
    if (backlog0 < 0) backlog0 = left;
    if (backlog0 > 0) progress(`${label}: previous backlog`, backlog0 - left, backlog0);
  });
  const backlogWaitS = (Date.now() - quiesceT0) / 1000;
  await resetStatements(db);
  const rss: number[] = [];
  const rssTimer = setInterval(() => rss.push(rssMb(sys.fleet.pids())), 500);
  const t0 = Date.now();
  sys.profiler?.start(sys.fleet.pids());
  const pgCpu = new PgCpuSampler(sys.pgAdminUrl, sys.pids().postgres?.[0] ?? 0, sys.dbName);
  await pgCpu.start();
  const cpu0 = cpuSnapshot(sys.pids());
  const own0 = ownCpu();
  const sent = await openLoop(sys.fleet.apiUrls, sys.load, rate, seconds, (n, total) =>
    progress(`${label}: sending`, n, total),
  );
  const sendSeconds = (Date.now() - t0) / 1000;
  const ids = sent.map((s) => s.callId).filter((x): x is string => !!x);
  const missing = await drain(db, ids, 120_000, (done) => progress(`${label}: completing`, done, ids.length));
  const cpu = { ...cpuDelta(cpu0, cpuSnapshot(sys.pids())), loadGenerator: ownCpu() - own0 };
  const wall = (Date.now() - t0) / 1000;
  const pgEnd = await pgCpu.stop();
  clearInterval(rssTimer);
  const profile = await sys.profiler?.stop(label);
  const simulator = await simulatorFigures(sys);
  const rows = await readPhase(db, ids);
  const sql = await statementTotals(db);
  const top = await topStatements(db);
  const byTime = await topStatementsByTime(db);
  const verdicts = (
    await db.raw(
      'SELECT verdict, count(*)::int AS n FROM webhook_deliveries WHERE received_at >= ? GROUP BY 1',
      [new Date(t0)],
    )
  ).rows as { verdict: string; n: number }[];
  const succeeded = rows.jobs.find((j) => j.status === 'succeeded')?.n ?? 0;
  const per = (x: number) => x / Math.max(succeeded, 1);
  const spanS =
    rows.firstCreated && rows.lastCompleted
      ? (new Date(rows.lastCompleted).getTime() - new Date(rows.firstCreated).getTime()) / 1000
      : Number.NaN;
  // sustained: completions per second over the seconds the load was offered (after a 2 s ramp)
  const postgres = pgCpu.result(pgEnd, succeeded);
  const cpuMsPerCall = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, per(v * 1000)]));
  // the sampler's own backend is the bench's measuring, not the system's work: the Postgres figure stays
  // comparable with runs before it (D530); the breakdown shows it apart
  cpuMsPerCall.postgres = (cpuMsPerCall.postgres ?? 0) - (postgres.msPerCall[SAMPLER_GROUP] ?? 0);
  const window = rows.timeline.filter((p) => p.second >= 2 && p.second < Math.floor(sendSeconds));
  const sustained = window.length ? window.reduce((a, p) => a + p.completed, 0) / window.length : Number.NaN;
  return {
    label,
    offeredRate: rate,
    seconds,
    sent: sent.length,
    rejected: sent.filter((s) => s.status !== 202).length,
    succeeded,
    notTerminal: missing,
    backlogWaitS,
    startedWithBacklog,
    jobs: rows.jobs,
    throughputCallsPerS: succeeded / spanS,
    sustainedCallsPerS: sustained,
    triggerHttpMs: dist(sent.map((s) => s.ms)),
    triggerToSubmittedMs: dist(rows.triggerToSubmittedMs),
    webhookToReadableMs: dist(rows.webhookToReadableMs),
    endToEndMs: dist(rows.e2eMs),
    sqlStatementsPerCall: per(sql.calls),
    sqlExecMsPerCall: per(sql.execMs),
    sqlPlanMsPerCall: per(sql.planMs),
    cpuMsPerCall,
    machineCpuUse: Object.values(cpu).reduce((a, b) => a + b, 0) / (wall * cpus().length),
    ottoRssMb: dist(rss.filter(Number.isFinite)),
    timeline: rows.timeline,
    topStatements: top.map((t) => ({ ...t, perCall: per(t.calls) })),
    webhookVerdictsPerCall: Object.fromEntries(verdicts.map((v) => [v.verdict, per(v.n)])),
    topStatementsByTime: byTime.map((t) => ({ ...t, perCall: per(t.calls) })),
    ...(simulator ? { simulator } : {}),
    ...(profile ? { profile } : {}),
    postgres,
  };
}

interface SimStats {
  jobs: { total: number };
  idempotency: { keys: number };
  counters: Record<string, number>;
}

/** What the simulator holds after the phase (D290): its RSS and the records it keeps. */
async function simulatorFigures(sys: System): Promise<PhaseResult['simulator']> {
  const pid = sys.sim.proc.child.pid;
  if (pid === undefined) return undefined;
  try {
    const stats = await sys.sim.admin<SimStats>('/stats');
    return {
      rssMb: rssMb([pid]),
      transcriptionsSinceStart: stats.counters['jobs.transcription.created'] ?? 0,
      jobsHeld: stats.jobs.total,
      idempotencyKeys: stats.idempotency.keys,
    };
  } catch {
    return undefined;
  }
}

export function progressBar(label: string, done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(
    `\r  ${label.padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}    `,
  );
  if (done >= total) process.stderr.write('\n');
}
