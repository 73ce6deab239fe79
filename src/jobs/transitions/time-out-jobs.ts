// timeOutJobs (pending | running → timeout): a job not finished 24 h after its creation times out (§2.1, §9.2).
// Two statements per batch, pending jobs first, then running ones with their slots: a statement that
// holds a pending job must not wait for a tenant's admission row, which admission holds while it waits for
// pending jobs (D97's lock order: admission row, then pending jobs; running jobs, then admission row).
// Late results for a timed-out job are ignored.
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';

/** the LIMIT of both statements */
const BATCH = 1000;

// Two whole statements rather than one with a conditional part: the pending one must not touch
// tenant_admission at all (the lock order above); the running one gives the slots back.
const TIME_OUT_PENDING = `WITH timed AS (
       UPDATE shunya_jobs SET job_status = 'timeout', next_attempt_at = NULL, completed_at = now(),
              last_error = :error::jsonb, updated_at = now()
       WHERE id IN (SELECT id FROM shunya_jobs WHERE job_status = 'pending' AND created_at < :cutoff
                    ORDER BY created_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
       RETURNING id, company_id, job_type, created_at)
     , attempt AS (
       UPDATE shunya_job_attempts a SET outcome = 'failed', error = :error::jsonb, finished_at = now()
       FROM (SELECT max(id) AS id FROM shunya_job_attempts WHERE job_id IN (SELECT id FROM timed) GROUP BY job_id) m
       WHERE a.id = m.id)
     , events AS (
       INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
       SELECT company_id, 'shunya.job.timeout', 'shunya_job', id,
              jsonb_build_object('job_id', id, 'job_type', job_type,
                                 'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
       FROM timed ORDER BY created_at)
     SELECT company_id, count(*)::int AS n FROM timed GROUP BY company_id`;

const TIME_OUT_RUNNING = `WITH timed AS (
       UPDATE shunya_jobs SET job_status = 'timeout', next_attempt_at = NULL, completed_at = now(),
              last_error = :error::jsonb, updated_at = now()
       WHERE id IN (SELECT id FROM shunya_jobs WHERE job_status = 'running' AND created_at < :cutoff
                    ORDER BY created_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
       RETURNING id, company_id, job_type, created_at)
     , attempt AS (
       UPDATE shunya_job_attempts a SET outcome = 'failed', error = :error::jsonb, finished_at = now()
       FROM (SELECT max(id) AS id FROM shunya_job_attempts WHERE job_id IN (SELECT id FROM timed) GROUP BY job_id) m
       WHERE a.id = m.id)
     , events AS (
       INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
       SELECT company_id, 'shunya.job.timeout', 'shunya_job', id,
              jsonb_build_object('job_id', id, 'job_type', job_type,
                                 'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
       FROM timed ORDER BY created_at)
     , slots AS (
       UPDATE tenant_admission a SET running = greatest(a.running - f.n, 0)
       FROM (SELECT company_id, count(*)::int AS n FROM timed GROUP BY company_id) f WHERE a.company_id = f.company_id)
     SELECT company_id, count(*)::int AS n FROM timed GROUP BY company_id`;

/** Times out one batch of jobs in `status` created before `cutoff`; returns the tenants whose slots it freed. */
async function timeOutBatch(
  db: Db,
  status: 'pending' | 'running',
  cutoff: Date,
  error: JobError,
): Promise<{ count: number; companies: string[] }> {
  const sql = status === 'running' ? TIME_OUT_RUNNING : TIME_OUT_PENDING;
  const res = await prepared(
    db.raw(sql, { error: JSON.stringify(error), cutoff: cutoff.toISOString() }),
    sql,
  );
  const rows = res.rows as { company_id: string; n: number }[];
  return {
    count: rows.reduce((a, r) => a + r.n, 0),
    companies: status === 'running' ? rows.map((r) => r.company_id) : [],
  };
}
/** Times out every job created before `cutoff`; returns how many, and the tenants whose slots were freed. */
export async function timeOutJobs(
  db: Db,
  cutoff: Date,
  error: JobError,
): Promise<{ count: number; companies: Set<string> }> {
  let count = 0;
  const companies = new Set<string>();
  for (const status of ['pending', 'running'] as const) {
    for (;;) {
      const batch = await timeOutBatch(db, status, cutoff, error);
      count += batch.count;
      for (const c of batch.companies) companies.add(c);
      if (batch.count < BATCH) break;
    }
  }
  return { count, companies };
}
