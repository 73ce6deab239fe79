// `npm run bench -- --phases batching`: graphile-worker's batching off and on (D291), side by side in one
// run: the same load, alternately with Otto's defaults and with WORKER_LOCAL_QUEUE_SIZE and
// WORKER_BATCH_DELAY_MS set, each round on a fresh database and fresh processes. Compares statements per
// call and CPU per call (Otto's, Postgres's and every process's).
import type { Layout, PgServer } from '../lib/stack.ts';
import { type PhaseResult, type Progress, runPhase } from './phase.ts';
import { startSystem } from './system.ts';

export interface BatchingRound {
  batching: 'off' | 'on';
  sustainedCallsPerS: number;
  statementsPerCall: number;
  ottoCpuMsPerCall: number;
  postgresCpuMsPerCall: number;
  allCpuMsPerCall: number;
  endToEndMsP50: number;
  endToEndMsP99: number;
}

export interface BatchingAbResult {
  rate: number;
  seconds: number;
  env: Record<string, string>;
  rounds: BatchingRound[];
}

const all = (r: PhaseResult) => Object.values(r.cpuMsPerCall).reduce((a, b) => a + b, 0);

export async function runBatchingAb(
  pg: PgServer,
  o: { rounds: number; rate: number; seconds: number; tenants: number; concurrency: number; layout: Layout },
  progress: Progress,
): Promise<BatchingAbResult> {
  // graphile-worker's advice: a local queue at least as large as the concurrency; a completion delay of a
  // small fraction of a second (its docs start from 250 ms; Otto's next job never waits for it)
  // BENCH_BATCHING_ONLY_COMPLETIONS=<ms>: the completion batching alone, no local queue (issue 21's next step)
  // BENCH_BATCHING_ONLY_QUEUE=<size>: the local queue alone, no completion delay (D462's candidate)
  const onlyCompletions = process.env.BENCH_BATCHING_ONLY_COMPLETIONS;
  const onlyQueue = process.env.BENCH_BATCHING_ONLY_QUEUE;
  const env: Record<string, string> = onlyCompletions
    ? { WORKER_BATCH_DELAY_MS: onlyCompletions }
    : onlyQueue
      ? { WORKER_LOCAL_QUEUE_SIZE: onlyQueue }
      : { WORKER_LOCAL_QUEUE_SIZE: String(o.concurrency), WORKER_BATCH_DELAY_MS: '100' };
  const rounds: BatchingRound[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const batching of ['off', 'on'] as const) {
      const name = `batching ${batching} round ${round}`;
      console.log(`graphile-worker batching A/B: ${name}`);
      const database = `otto_batching_${batching}_${round}`;
      const sys = await startSystem({
        pg,
        database,
        layout: o.layout,
        concurrency: o.concurrency,
        tenants: o.tenants,
        env: batching === 'on' ? env : {},
      });
      try {
        await runPhase(sys, `${name} warm-up`, 20, 3, progress);
        const r = await runPhase(sys, name, o.rate, o.seconds, progress);
        rounds.push({
          batching,
          sustainedCallsPerS: r.sustainedCallsPerS,
          statementsPerCall: r.sqlStatementsPerCall,
          ottoCpuMsPerCall: r.cpuMsPerCall.otto ?? Number.NaN,
          postgresCpuMsPerCall: r.cpuMsPerCall.postgres ?? Number.NaN,
          allCpuMsPerCall: all(r),
          endToEndMsP50: r.endToEndMs.p50,
          endToEndMsP99: r.endToEndMs.p99,
        });
      } finally {
        await sys.stop();
        await pg.dropDatabase(database);
      }
    }
  }
  return { rate: o.rate, seconds: o.seconds, env, rounds };
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function batchingMarkdown(b: BatchingAbResult): string {
  const mean = (k: keyof BatchingRound, on: 'off' | 'on') => {
    const xs = b.rounds.filter((r) => r.batching === on).map((r) => Number(r[k]));
    return xs.reduce((a, x) => a + x, 0) / Math.max(xs.length, 1);
  };
  const row = (label: string, on: 'off' | 'on') =>
    `| ${label} | ${f(mean('sustainedCallsPerS', on))} | ${f(mean('statementsPerCall', on))} | ${f(mean('ottoCpuMsPerCall', on), 2)} | ${f(mean('postgresCpuMsPerCall', on), 2)} | ${f(mean('allCpuMsPerCall', on), 2)} | ${f(mean('endToEndMsP50', on), 0)} / ${f(mean('endToEndMsP99', on), 0)} |`;
  return [
    `## graphile-worker batching off and on (${b.rate} calls/s for ${b.seconds} s per round, ${b.rounds.length / 2} rounds each)`,
    '',
    `On: ${Object.entries(b.env)
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(', ')}. Means over the rounds:`,
    '',
    '| batching | sustained calls/s | statements per call | Otto CPU ms per call | Postgres CPU ms per call | all processes CPU ms per call | end to end ms p50 / p99 |',
    '|---|---|---|---|---|---|---|',
    row('off (default)', 'off'),
    row('on', 'on'),
    '',
  ].join('\n');
}
