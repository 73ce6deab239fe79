// npm run fuzz: the long fuzz run. The same targets (scripts/fuzz/) and properties as test/fuzz (CallRail's trigger and
// Shunya's webhook, over real HTTP into Otto on a real, throwaway embedded Postgres), but many more inputs,
// and violations are counted rather than stopping the run. Writes bench/results/fuzz-<time>.{json,md} and
// exits non-zero on any violation (a 5xx, an unsigned request accepted, an escaped exception, an error
// outside the envelope, a refused request that wrote, any other broken contract promise).
//
//   npm run fuzz                         100,000 inputs (half to each target), seed 20261124
//   npm run fuzz -- --runs 2000 --seed 7 2,000 inputs, another seed
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { createDb, type Db } from '../src/db/knex.ts';
import { migrateAll } from '../src/db/migrate.ts';
import { callRailCaseArb, startCallRailTarget } from './fuzz/callrail-target.ts';
import { closeHttpAgent, DEFAULT_SEED, preview, Tally } from './fuzz/harness.ts';
import { startWebhookTarget, webhookCaseArb } from './fuzz/webhook-target.ts';
import { ROOT } from './lib/procs.ts';
import { type PgServer, startPostgres } from './lib/stack.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    /** one target only: callrail or webhook (it gets all the runs) */
    only: { type: 'string' },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
if (!Number.isInteger(runs) || runs < 2) throw new Error('--runs must be an integer of at least 2');
if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');

interface TargetReport {
  target: string;
  inputs: number;
  seconds: number;
  inputsPerSecond: number;
  statuses: Record<string, number>;
  outcomes: Record<string, number>;
  violations: Record<string, number>;
  examples: Tally['examples'];
}

async function fuzz<C>(
  name: string,
  db: Db,
  start: (db: Db, tally: Tally) => Promise<{ run(c: C): Promise<void>; close(): Promise<void> }>,
  arb: fc.Arbitrary<C>,
  numRuns: number,
): Promise<TargetReport> {
  const tally = new Tally(name, false);
  const target = await start(db, tally);
  const t0 = performance.now();
  let last = t0;
  let reported = 0;
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        try {
          await target.run(c);
        } catch (e) {
          // the harness itself failed on this input (e.g. the connection was reset): an escaped exception
          tally.violation('escapedException', `the run threw: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (tally.examples.length > reported && reported < 20) {
          const e = tally.examples[reported++] as (typeof tally.examples)[number];
          console.log(`  ${name}: violation at run ${e.run}, ${e.kind}: ${e.message}\n    input ${e.input}`);
        }
        const now = performance.now();
        if (now - last > 10_000) {
          last = now;
          console.log(`  ${name}: ${tally.inputs}/${numRuns} inputs, ${tally.violationCount} violations`);
        }
      }),
      { numRuns, seed },
    );
  } finally {
    await target.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    target: name,
    inputs: tally.inputs,
    seconds: Math.round(seconds),
    inputsPerSecond: Math.round(tally.inputs / seconds),
    statuses: tally.statuses,
    outcomes: tally.outcomes,
    violations: tally.violations,
    examples: tally.examples,
  };
}

function markdown(r: { at: string; seed: number; machine: string; targets: TargetReport[] }): string {
  const lines = [
    `# Fuzz run ${r.at}`,
    '',
    `Seed ${r.seed}; ${r.machine}. Command: \`npm run fuzz -- --runs ${r.targets.reduce((a, t) => a + t.inputs, 0)} --seed ${r.seed}\`.`,
    '',
    '| target | inputs | s | inputs/s | answers by status | violations |',
    '|---|---:|---:|---:|---|---:|',
  ];
  for (const t of r.targets) {
    const statuses = Object.entries(t.statuses)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    const v = Object.values(t.violations).reduce((a, b) => a + b, 0);
    lines.push(`| ${t.target} | ${t.inputs} | ${t.seconds} | ${t.inputsPerSecond} | ${statuses} | ${v} |`);
  }
  for (const t of r.targets) {
    lines.push('', `## ${t.target}`, '', 'Violations by kind:', '');
    for (const [k, n] of Object.entries(t.violations)) lines.push(`- ${k}: ${n}`);
    lines.push('', 'Outcomes:', '');
    for (const [k, n] of Object.entries(t.outcomes).sort(([, a], [, b]) => b - a)) lines.push(`- ${k}: ${n}`);
    if (t.examples.length > 0) {
      lines.push('', 'First violations:', '');
      for (const e of t.examples)
        lines.push(`- run ${e.run}, ${e.kind}: ${e.message} — input ${preview(e.input, 300)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  let postgres: PgServer | undefined;
  const dbs: Db[] = [];
  try {
    postgres = await startPostgres({ durable: false });
    const server = postgres;
    // one database per target, as the tests have (each installs its own write counter)
    const open = async (name: string): Promise<Db> => {
      const url = await server.createDatabase(name);
      const db = createDb(url, 10);
      dbs.push(db);
      await migrateAll(db, url);
      return db;
    };
    if (values.only !== undefined && values.only !== 'callrail' && values.only !== 'webhook')
      throw new Error('--only must be callrail or webhook');
    const half = values.only === 'callrail' ? 0 : values.only === 'webhook' ? runs : Math.floor(runs / 2);
    console.log(`fuzz: ${runs} inputs, seed ${seed}`);
    const targets: TargetReport[] = [];
    if (runs - half > 0)
      targets.push(
        await fuzz(
          'callrail',
          await open('fuzz_callrail'),
          startCallRailTarget,
          callRailCaseArb,
          runs - half,
        ),
      );
    if (half > 0)
      targets.push(
        await fuzz('webhook', await open('fuzz_webhook'), startWebhookTarget, webhookCaseArb, half),
      );
    const at = new Date().toISOString();
    const report = {
      at,
      seed,
      machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      targets,
    };
    const out = path.join(ROOT, 'bench', 'results');
    await mkdir(out, { recursive: true });
    const base = path.join(out, `fuzz-${at.replace(/[:.]/g, '-')}`);
    await writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(`${base}.md`, markdown(report));
    for (const t of targets) {
      const v = Object.values(t.violations).reduce((a, b) => a + b, 0);
      console.log(
        `${t.target}: ${t.inputs} inputs in ${t.seconds} s (${t.inputsPerSecond}/s), ${v} violations`,
      );
    }
    console.log(`wrote ${base}.{json,md}`);
    const total = targets.reduce((a, t) => a + Object.values(t.violations).reduce((x, y) => x + y, 0), 0);
    if (total > 0) process.exitCode = 1;
  } finally {
    closeHttpAgent();
    for (const db of dbs) await db.destroy();
    await postgres?.stop();
  }
}

await main();
