// A/B in one run (`npm run bench -- --baseline <git ref>`): the target-load phase for the baseline and for
// this working tree, alternately (baseline, working tree, baseline, working tree, …), each round on a
// fresh database of the same durable Postgres, with a fresh simulator and Otto processes, the same
// settings and the same load. The throughput ratio new ÷ baseline is `abRatio`, from the means of the
// rounds' sustained throughput; both sides' statements and CPU per call are reported with it.
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
  meanSustainedCallsPerS: number;
  meanStatementsPerCall: number;
  meanCpuMsPerCall: Record<string, number>;
}

export interface AbResult {
  layout: string;
  rate: number;
  seconds: number;
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

function side(label: AbSide['label'], ref: string, commit: string, rounds: PhaseResult[]): AbSide {
  const keys = [...new Set(rounds.flatMap((r) => Object.keys(r.cpuMsPerCall)))];
  return {
    label,
    ref,
    commit,
    rounds,
    meanSustainedCallsPerS: mean(rounds.map((r) => r.sustainedCallsPerS)),
    meanStatementsPerCall: mean(rounds.map((r) => r.sqlStatementsPerCall)),
    meanCpuMsPerCall: Object.fromEntries(
      keys.map((k) => [k, mean(rounds.map((r) => r.cpuMsPerCall[k] ?? 0))]),
    ),
  };
}

export async function runAb(
  pg: PgServer,
  o: {
    ref: string;
    rounds: number;
    rate: number;
    seconds: number;
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
  const results: Record<'baseline' | 'workingTree', PhaseResult[]> = { baseline: [], workingTree: [] };
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
        ...(o.profiler ? { profiler: o.profiler } : {}),
      });
      try {
        await runPhase(sys, `${name} warm-up`, 40, o.warmupSeconds, progress);
        const r = await runPhase(sys, name, o.rate, o.seconds, progress);
        results[which].push(r);
        console.log(
          `  ${r.sustainedCallsPerS.toFixed(1)} calls/s sustained, ${r.sqlStatementsPerCall.toFixed(1)} statements per call`,
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
    tenants: o.tenants,
    concurrency: o.concurrency,
    order,
    baseline: b,
    workingTree: w,
    abRatio: w.meanSustainedCallsPerS / b.meanSustainedCallsPerS,
  };
}
