// The idle phase (`--phases idle`): no calls at all for `seconds`, on a system that has just finished a
// warm-up; what Otto asks Postgres per second then is the work that does not scale with the load (D431).
// Statements are counted as the other phases count them (pg_stat_statements, this database only), less
// the bench's own reads.
import { resetStatements, topStatements } from './sql.ts';
import type { System } from './system.ts';

export interface IdleResult {
  label: string;
  seconds: number;
  statementsPerS: number;
  byStatement: { query: string; perS: number }[];
}

// the bench's own statements (phase.ts, measure.ts, sql.ts), not Otto's
const BENCH_OWN = /pg_stat_statements/;

export async function runIdle(sys: System, label: string, seconds: number): Promise<IdleResult> {
  await resetStatements(sys.db);
  const t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const wall = (Date.now() - t0) / 1000;
  const rows = (await topStatements(sys.db, 80)).filter((r) => !BENCH_OWN.test(r.query));
  const byStatement = rows.map((r) => ({ query: r.query, perS: r.calls / wall }));
  return {
    label,
    seconds: wall,
    statementsPerS: byStatement.reduce((a, r) => a + r.perS, 0),
    byStatement,
  };
}

export function idleMarkdown(runs: IdleResult[]): string[] {
  return runs.flatMap((r) => [
    `## Idle: ${r.label}`,
    '',
    `No calls for ${r.seconds.toFixed(0)} s: **${r.statementsPerS.toFixed(2)} statements per second** (the bench's own reads left out).`,
    '',
    '| statement | per second |',
    '|---|---|',
    ...r.byStatement
      .filter((s) => s.perS >= 0.005)
      .map((s) => `| \`${s.query.slice(0, 110).replace(/\|/g, '\\|')}\` | ${s.perS.toFixed(2)} |`),
    '',
  ]);
}
