// Per-tenant admission (§11.1, §11.2): at most `tenantMaxConcurrent` jobs of a tenant are running (hold a
// slot) at once; the rest wait as `pending`. Only admitted work enters graphile-worker's queue, so a
// tenant with a backlog of thousands cannot push another tenant's work to the back of the queue.
//
// Admission runs inside the transaction that changes a tenant's slots (D39): the trigger that creates a job
// admits it when a slot is free, and the completion or failure that frees a slot admits the next due job.
// The `otto_admit` task remains for what no transaction announces: a retry falling due, and the cron
// safety net.
import type { Tx } from '../db/knex.ts';
import type { PipelineDeps } from './deps.ts';
import { TASK } from './queue.ts';

export interface AdmissionParams {
  /** the tenant's concurrency limit (config.jobs.tenantMaxConcurrent) */
  limit: number;
  /** due times of pending retries are compared with this instant */
  now: Date;
}

/**
 * Promotes the tenant's due pending jobs into its free slots, inside the caller's transaction; returns the
 * ids of the jobs admitted. Each gets its attempt row and its `otto_advance` graphile-worker job.
 */
export async function admitInTx(tx: Tx, companyId: string, p: AdmissionParams): Promise<string[]> {
  // One admission at a time per tenant, so two transactions cannot both fill the last free slot. The lock
  // is its own statement: the admission statement's snapshot must be taken after it is granted (READ
  // COMMITTED), or it could miss the slots the previous holder just filled. Rows locked by another
  // transaction are waited for, not skipped: skipping a pending job that someone merely looked at (an
  // operator's second retry click) left it unadmitted until the next wake-up.
  await tx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`otto:admit:${companyId}`]);
  const res = await tx.raw(
    `WITH due AS (
       SELECT id FROM shunya_jobs
       WHERE company_id = :company AND job_status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= :now)
       ORDER BY COALESCE(next_attempt_at, created_at), created_at
       LIMIT greatest(0, :limit - (SELECT count(*) FROM shunya_jobs WHERE company_id = :company AND job_status = 'running'))
       FOR UPDATE
     ), started AS (
       UPDATE shunya_jobs j SET job_status = 'running', attempts = attempts + 1, next_attempt_at = NULL, updated_at = now()
       FROM due WHERE j.id = due.id
       RETURNING j.id, j.company_id, j.attempts, j.stage
     ), attempt AS (
       INSERT INTO shunya_job_attempts (company_id, job_id, attempt, stage)
       SELECT company_id, id, attempts, stage FROM started
     )
     SELECT id, graphile_worker.add_job(identifier => :task, payload => json_build_object('job_id', id),
                                    job_key => 'advance:' || id)
     FROM started`,
    { company: companyId, now: p.now.toISOString(), limit: p.limit, task: TASK.advance },
  );
  return (res.rows as { id: string }[]).map((r) => r.id);
}

const paramsOf = (deps: Pick<PipelineDeps, 'config' | 'clock'>): AdmissionParams => ({
  limit: deps.config.jobs.tenantMaxConcurrent,
  now: deps.clock.now(),
});

/** Admission in a transaction of its own (the `otto_admit` task and the cron safety net). */
export async function admit(
  deps: Pick<PipelineDeps, 'db' | 'config' | 'clock'>,
  companyId: string,
): Promise<number> {
  return (await deps.db.transaction((tx) => admitInTx(tx, companyId, paramsOf(deps)))).length;
}

/** Admission inside a pipeline transaction that has just freed a slot or made a job due. */
export const admitNext = (tx: Tx, deps: Pick<PipelineDeps, 'config' | 'clock'>, companyId: string) =>
  admitInTx(tx, companyId, paramsOf(deps));

/** Safety net (cron, every minute): admission for every tenant with due pending jobs. */
export async function admitAll(deps: Pick<PipelineDeps, 'db' | 'config' | 'clock'>): Promise<number> {
  const res = await deps.db.raw(
    `SELECT DISTINCT company_id FROM shunya_jobs
     WHERE job_status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)`,
    [deps.clock.now().toISOString()],
  );
  const companies = (res.rows as { company_id: string }[]).map((r) => r.company_id);
  for (const companyId of companies) await admit(deps, companyId);
  return companies.length;
}
