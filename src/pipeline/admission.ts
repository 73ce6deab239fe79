// Per-tenant admission (§11.1, §11.2): at most `tenantMaxConcurrent` jobs of a tenant are running (hold a
// slot) at once; the rest wait as `pending`. Only admitted work enters graphile-worker's queue, so a
// tenant with a backlog of thousands cannot push another tenant's work to the back of the queue.
import type { Tx } from '../db/knex.ts';
import type { PipelineDeps } from './deps.ts';
import type { JobRow } from './model.ts';
import { enqueue, TASK } from './queue.ts';
import { startAttempt } from './store.ts';

/** Promotes the tenant's due pending jobs into free slots; returns how many were admitted. */
export async function admit(
  deps: Pick<PipelineDeps, 'db' | 'config' | 'clock'>,
  companyId: string,
): Promise<number> {
  const limit = deps.config.jobs.tenantMaxConcurrent;
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    // One admission at a time per tenant, so two workers cannot both fill the last free slot. Rows locked
    // by another transaction are waited for, not skipped: skipping a pending job that someone merely
    // looked at (an operator's second retry click) left it unadmitted until the next wake-up.
    await tx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`otto:admit:${companyId}`]);
    const running = await tx.raw(
      `SELECT count(*)::int AS n FROM shunya_jobs WHERE company_id = ? AND job_status = 'running'`,
      [companyId],
    );
    const free = limit - (running.rows[0].n as number);
    if (free <= 0) return 0;
    const due = await tx.raw(
      `SELECT id FROM shunya_jobs
       WHERE company_id = ? AND job_status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
       ORDER BY COALESCE(next_attempt_at, created_at), created_at
       LIMIT ? FOR UPDATE`,
      [companyId, now.toISOString(), free],
    );
    for (const { id } of due.rows as { id: string }[]) await start(tx, id);
    return due.rows.length;
  });
}

async function start(tx: Tx, jobId: string): Promise<void> {
  const res = await tx.raw(
    `UPDATE shunya_jobs SET job_status = 'running', attempts = attempts + 1, next_attempt_at = NULL, updated_at = now()
     WHERE id = ? RETURNING *`,
    [jobId],
  );
  const job = res.rows[0] as JobRow;
  await startAttempt(tx, job);
  await enqueue(tx, TASK.advance, { job_id: job.id }, { jobKey: `advance:${job.id}` });
}

/** Safety net (cron, every minute): wakes admission for every tenant with due pending jobs. */
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
