// A/B in one run (`npm run bench -- --baseline <git ref>`): the target-load phase for the baseline and for
// this working tree, alternately (baseline, working tree, baseline, working tree, …), each round on a
// fresh database of the same durable Postgres, with a fresh simulator and Otto processes, the same
// settings and the same load. The throughput ratio new ÷ baseline is `abRatio`, from the means of the
// rounds' sustained throughput; both sides' statements and CPU per call are reported with it. Each round
// then runs the half-reached phase on the same system (half of the throughput that round's target phase
// reached, D430): the bar on statements per call at half load is measured in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../lib/procs.ts';
import { describeLayout, type Layout, type PgServer } from '../lib/stack.ts';
import { type PhaseResult, type Progress, runPhase } from './phase.ts';
import type { PhaseProfiler } from './profile.ts';
import { startSystem } from './system.ts';

export interface AbSide {
  label: 'baseline' | 'working tree';
  /** the git ref and the commit it named, or the working tree's HEAD (plus its uncommitted changes) */
  ref: string;
  commit: string;
  rounds: PhaseResult[];
  /** each round's half-reached phase, in the order of `rounds` (D430) */
  halfRounds: PhaseResult[];
  meanSustainedCallsPerS: number;
  meanStatementsPerCall: number;
  /** statements per call in the half-reached phases (mean over the rounds) */
  meanHalfStatementsPerCall: number;
  meanCpuMsPerCall: Record<string, number>;
  meanHalfCpuMsPerCall: Record<string, number>;
}

export interface AbResult {
  layout: string;
  rate: number;
  seconds: number;
  /** how long each round's half-reached phase sends */
  halfSeconds: number;
  tenants: number;
  concurrency: number;
  order: string[];
  baseline: AbSide;
  workingTree: AbSide;
  /** throughput new ÷ baseline (means of the rounds' sustained calls/s) */
  abRatio: number;
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/**
 * The baseline's source tree: `git archive` of the commit into .tmp/baseline/<commit>/ (no worktree is
 * registered in the repository), with its own `npm ci`; kept for the next run.
 */
export async function prepareBaseline(ref: string): Promise<{ root: string; commit: string }> {
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const root = path.join(ROOT, '.tmp/baseline', commit);
  if (existsSync(path.join(root, 'node_modules/.bin/tsx'))) return { root, commit };
  console.log(
    `Preparing the baseline ${ref} (${commit.slice(0, 10)}) in ${path.relative(ROOT, root)}: git archive, npm ci`,
  );
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${root}"`], { cwd: ROOT, stdio: 'inherit' });
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (ci.status !== 0) throw new Error(`npm ci failed in ${root}`);
  return { root, commit };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

const meanCpu = (rounds: PhaseResult[]) => {
  const keys = [...new Set(rounds.flatMap((r) => Object.keys(r.cpuMsPerCall)))];
  return Object.fromEntries(keys.map((k) => [k, mean(rounds.map((r) => r.cpuMsPerCall[k] ?? 0))]));
};

function side(
  label: AbSide['label'],
  ref: string,
  commit: string,
  rounds: { target: PhaseResult; half: PhaseResult }[],
): AbSide {
  const target = rounds.map((r) => r.target);
  const half = rounds.map((r) => r.half);
  return {
    label,
    ref,
    commit,
    rounds: target,
    halfRounds: half,
    meanSustainedCallsPerS: mean(target.map((r) => r.sustainedCallsPerS)),
    meanStatementsPerCall: mean(target.map((r) => r.sqlStatementsPerCall)),
    meanHalfStatementsPerCall: mean(half.map((r) => r.sqlStatementsPerCall)),
    meanCpuMsPerCall: meanCpu(target),
    meanHalfCpuMsPerCall: meanCpu(half),
  };
}

/** `k=v,k=v` as settings (none when unset). */
const settingsOf = (text: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (text ?? '')
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => kv.split('=', 2).map((x) => x.trim()) as [string, string]),
  );

/** The half-reached phase's rate: half of what the target phase completed per second, as run.ts has it. */
export const halfReachedRate = (target: PhaseResult) =>
  Math.max(2, Math.round(target.throughputCallsPerS / 2));

export async function runAb(
  pg: PgServer,
  o: {
    ref: string;
    rounds: number;
    rate: number;
    seconds: number;
    /** the half-reached phase's sending time (short with --quick) */
    halfSeconds: number;
    tenants: number;
    concurrency: number;
    layout: Layout;
    warmupSeconds: number;
    profiler?: PhaseProfiler;
  },
  progress: Progress,
): Promise<AbResult> {
  const baseline = await prepareBaseline(o.ref);
  const here = {
    root: ROOT,
    commit: `${git('rev-parse', 'HEAD')}${git('status', '--porcelain') ? '+changes' : ''}`,
  };
  const results: Record<'baseline' | 'workingTree', { target: PhaseResult; half: PhaseResult }[]> = {
    baseline: [],
    workingTree: [],
  };
  const order: string[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const which of ['baseline', 'workingTree'] as const) {
      const tree = which === 'baseline' ? baseline : here;
      const name = `${which === 'baseline' ? 'baseline' : 'working tree'} round ${round}`;
      console.log(`A/B: ${name} (${describeLayout(o.layout)})`);
      order.push(name);
      const database = `otto_ab_${which.toLowerCase()}_${round}`;
      const sys = await startSystem({
        pg,
        database,
        root: tree.root,
        layout: o.layout,
        concurrency: o.concurrency,
        tenants: o.tenants,
        // the baseline's Otto as it was: over loopback TCP (D562), unless BENCH_AB_BASELINE_SOCKET=1 (both
        // sides on the socket, to compare one setting alone)
        overTcp: which === 'baseline' && process.env.BENCH_AB_BASELINE_SOCKET !== '1',
        // BENCH_AB_DB_SETTINGS=k=v,…: server settings for the working tree's database only (D563)
        ...(which === 'workingTree' ? { dbSettings: settingsOf(process.env.BENCH_AB_DB_SETTINGS) } : {}),
        ...(o.profiler ? { profiler: o.profiler } : {}),
      });
      try {
        await runPhase(sys, `${name} warm-up`, 40, o.warmupSeconds, progress);
        const r = await runPhase(sys, name, o.rate, o.seconds, progress);
        const rate = halfReachedRate(r);
        const half = await runPhase(sys, `${name}, half of reached`, rate, o.halfSeconds, progress);
        results[which].push({ target: r, half });
        console.log(
          `  ${r.sustainedCallsPerS.toFixed(1)} calls/s sustained, ${r.sqlStatementsPerCall.toFixed(1)} statements per call; ` +
            `at ${rate} calls/s (half of reached) ${half.sqlStatementsPerCall.toFixed(1)} statements per call`,
        );
      } finally {
        await sys.stop();
        await pg.dropDatabase(database);
      }
    }
  }
  const b = side('baseline', o.ref, baseline.commit, results.baseline);
  const w = side('working tree', 'HEAD', here.commit, results.workingTree);
  return {
    layout: describeLayout(o.layout),
    rate: o.rate,
    seconds: o.seconds,
    halfSeconds: o.halfSeconds,
    tenants: o.tenants,
    concurrency: o.concurrency,
    order,
    baseline: b,
    workingTree: w,
    abRatio: w.meanSustainedCallsPerS / b.meanSustainedCallsPerS,
  };
}
