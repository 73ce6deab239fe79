// timeOutJobs (pending | running → timeout): a job not finished 24 h after its creation times out (§2.1, §9.2).
// Two statements per batch, pending jobs first, then running ones with their slots: a statement that
// holds a pending job must not wait for a tenant's admission row, which admission holds while it waits for
// pending jobs (D97's lock order: admission row, then pending jobs; running jobs, then admission row).
// Late results for a timed-out job are ignored.
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db } from '../../db/knex.ts';
import { compose, part, run } from '../../db/statement.ts';
import { closeAttemptsOf } from './fragments.ts';

const BATCH = 1000;

/** Times out one batch of jobs in `status` created before `cutoff`; returns the tenants whose slots it freed. */
async function timeOutBatch(
  db: Db,
  status: 'pending' | 'running',
  cutoff: Date,
  error: JobError,
): Promise<{ count: number; companies: string[] }> {
  const parts = [
    part(
      'timed',
      `UPDATE shunya_jobs SET job_status = 'timeout', next_attempt_at = NULL, completed_at = now(),
              last_error = ?::jsonb, updated_at = now()
       WHERE id IN (SELECT id FROM shunya_jobs WHERE job_status = ? AND created_at < ?
                    ORDER BY created_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING id, company_id, job_type, created_at`,
      [JSON.stringify(error), status, cutoff.toISOString()],
    ),
    closeAttemptsOf('attempt', 'timed', 'failed', error),
    part(
      'events',
      `INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
       SELECT company_id, 'shunya.job.timeout', 'shunya_job', id,
              jsonb_build_object('job_id', id, 'job_type', job_type,
                                 'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
       FROM timed ORDER BY created_at`,
    ),
    status === 'running'
      ? part(
          'slots',
          `UPDATE tenant_admission a SET running = greatest(a.running - f.n, 0)
           FROM (SELECT company_id, count(*)::int AS n FROM timed GROUP BY company_id) f WHERE a.company_id = f.company_id`,
        )
      : null,
  ];
  const rows = await run<{ company_id: string; n: number }>(
    db,
    compose(parts, 'SELECT company_id, count(*)::int AS n FROM timed GROUP BY company_id'),
  );
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
