// What Postgres did for one database during a phase (pg_stat_statements, top-level statements: a function
// call such as graphile_worker.add_job counts once): statements run, their execution and planning time,
// and the most frequent ones.
import type { Db } from '../../src/db/knex.ts';

const OF_DB = `dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`;

export interface StatementRow {
  query: string;
  calls: number;
  total_ms: number;
  mean_ms: number;
  plan_ms: number;
}

export const resetStatements = async (db: Db) => {
  await db.raw('SELECT pg_stat_statements_reset()');
};

export async function statementTotals(db: Db): Promise<{ calls: number; execMs: number; planMs: number }> {
  const r = await db.raw(
    `SELECT coalesce(sum(calls), 0)::bigint AS calls, coalesce(sum(total_exec_time), 0)::float AS exec_ms,
            coalesce(sum(total_plan_time), 0)::float AS plan_ms
     FROM pg_stat_statements WHERE ${OF_DB}`,
  );
  const row = r.rows[0];
  return { calls: Number(row.calls), execMs: row.exec_ms, planMs: row.plan_ms };
}

/** The most frequent statements (for profiling where the time goes). */
export async function topStatements(db: Db, limit = 80): Promise<StatementRow[]> {
  return (
    await db.raw(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query, calls::int AS calls,
              round(total_exec_time::numeric, 1)::float AS total_ms, round(mean_exec_time::numeric, 3)::float AS mean_ms,
              round(total_plan_time::numeric, 1)::float AS plan_ms
       FROM pg_stat_statements WHERE ${OF_DB} ORDER BY calls DESC LIMIT ?`,
      [limit],
    )
  ).rows as StatementRow[];
}

export interface TimedStatementRow extends StatementRow {
  /** execution plus planning, the statement's whole cost to Postgres */
  total_with_plan_ms: number;
  mean_plan_ms: number;
}

/** The statements that cost Postgres the most time, planning included (track_planning is on, D292). */
export async function topStatementsByTime(db: Db, limit = 15): Promise<TimedStatementRow[]> {
  return (
    await db.raw(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query, calls::int AS calls,
              round(total_exec_time::numeric, 1)::float AS total_ms, round(mean_exec_time::numeric, 3)::float AS mean_ms,
              round(total_plan_time::numeric, 1)::float AS plan_ms,
              round((total_exec_time + total_plan_time)::numeric, 1)::float AS total_with_plan_ms,
              round(mean_plan_time::numeric, 3)::float AS mean_plan_ms
       FROM pg_stat_statements WHERE ${OF_DB} ORDER BY total_exec_time + total_plan_time DESC LIMIT ?`,
      [limit],
    )
  ).rows as TimedStatementRow[];
}
