// What a benchmark phase measured, read back from Otto's own rows (the database is the source of truth
// for when things happened), plus percentiles.
import type { Knex } from 'knex';

export const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number);

export interface Dist {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function dist(values: number[]): Dist {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? Number.NaN,
  };
}

export interface PhaseRows {
  jobs: { status: string; n: number }[];
  e2eMs: number[];
  triggerToSubmittedMs: number[];
  webhookToReadableMs: number[];
  /** completions per second over the phase, by second */
  timeline: { second: number; completed: number }[];
  firstCreated: Date | null;
  lastCompleted: Date | null;
}

/** Latencies of the jobs of `callIds` (all CSR calls). */
export async function readPhase(db: Knex, callIds: string[]): Promise<PhaseRows> {
  const ids = callIds.filter(Boolean);
  const q = (sql: string) => db.raw(sql, [ids]);
  const jobs = (
    await q(
      `SELECT job_status AS status, count(*)::int AS n FROM shunya_jobs WHERE call_id = ANY(?::uuid[]) GROUP BY 1`,
    )
  ).rows;
  const e2e = (
    await q(`SELECT extract(epoch FROM j.completed_at - c.created_at) * 1000 AS ms FROM shunya_jobs j JOIN calls c ON c.id = j.call_id
             WHERE j.call_id = ANY(?::uuid[]) AND j.job_status = 'succeeded'`)
  ).rows.map((r: { ms: number }) => Number(r.ms));
  const submitted = (
    await q(`SELECT extract(epoch FROM o.submitted_at - c.created_at) * 1000 AS ms FROM shunya_operations o
             JOIN shunya_jobs j ON j.id = o.job_id JOIN calls c ON c.id = j.call_id
             WHERE j.call_id = ANY(?::uuid[]) AND o.kind = 'transcription' AND o.submitted_at IS NOT NULL`)
  ).rows.map((r: { ms: number }) => Number(r.ms));
  const readable = (
    await q(`SELECT d.duration_ms AS ms FROM webhook_deliveries d JOIN shunya_operations o ON o.id = d.operation_id
             JOIN shunya_jobs j ON j.id = o.job_id
             WHERE j.call_id = ANY(?::uuid[]) AND o.kind = 'analysis' AND d.verdict = 'processed'`)
  ).rows.map((r: { ms: number }) => Number(r.ms));
  const bounds = (
    await q(
      `SELECT min(c.created_at) AS first, max(j.completed_at) AS last FROM shunya_jobs j JOIN calls c ON c.id = j.call_id WHERE j.call_id = ANY(?::uuid[])`,
    )
  ).rows[0];
  const timeline = (
    await db.raw(
      `SELECT floor(extract(epoch FROM j.completed_at - ?::timestamptz))::int AS second, count(*)::int AS completed
       FROM shunya_jobs j WHERE j.call_id = ANY(?::uuid[]) AND j.job_status = 'succeeded' GROUP BY 1 ORDER BY 1`,
      [bounds.first, ids],
    )
  ).rows;
  return {
    jobs,
    e2eMs: e2e,
    triggerToSubmittedMs: submitted,
    webhookToReadableMs: readable,
    timeline,
    firstCreated: bounds.first,
    lastCompleted: bounds.last,
  };
}

/** Waits until every job of `callIds` is terminal (or `timeoutMs`); returns how many are not. */
export async function drain(
  db: Knex,
  callIds: string[],
  timeoutMs: number,
  onProgress?: (done: number) => void,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await db.raw(
      `SELECT count(*) FILTER (WHERE job_status IN ('succeeded', 'failed', 'timeout'))::int AS done, count(*)::int AS all
       FROM shunya_jobs WHERE call_id = ANY(?::uuid[])`,
      [callIds.filter(Boolean)],
    );
    const { done } = r.rows[0];
    onProgress?.(done);
    const missing = callIds.length - done;
    if (missing === 0 || Date.now() > deadline) return missing;
    await new Promise((res) => setTimeout(res, 250));
  }
}

/**
 * Waits until no Otto job is pending or running (a previous phase's backlog has drained), so that a
 * phase measures its own calls on a quiet system. Returns the jobs still unfinished at the timeout.
 */
export async function quiesce(
  db: Knex,
  timeoutMs: number,
  onProgress?: (left: number) => void,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await db.raw(
      `SELECT count(*)::int AS n FROM shunya_jobs WHERE job_status NOT IN ('succeeded', 'failed', 'timeout')`,
    );
    const left = r.rows[0].n as number;
    onProgress?.(left);
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((res) => setTimeout(res, 500));
  }
}
