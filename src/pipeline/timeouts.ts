// Task otto_sweep_timeouts (graphile-worker cron, every minute): a job not finished 24 h after its
// creation times out (§2.1, §9.2). Its slot is freed; late results for it are ignored.
import type { JobError } from '../../generated/otto/types.gen.ts';
import { insertEvents } from '../domain/outbox.ts';
import type { PipelineDeps } from './deps.ts';
import type { JobRow } from './model.ts';
import { wakeAdmission } from './queue.ts';
import { finishAttempt } from './store.ts';

export async function sweepTimeouts(deps: PipelineDeps): Promise<number> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - deps.config.jobs.timeoutS * 1000);
  return deps.db.transaction(async (tx) => {
    const error: JobError = {
      error_code: 'JOB_TIMEOUT',
      error_type: 'timeout',
      message: `Not finished within ${deps.config.jobs.timeoutS} s of creation`,
      retryable: false,
      http_status: null,
      shunya_request_id: null,
      at: now.toISOString(),
    };
    const res = await tx.raw(
      `UPDATE shunya_jobs SET job_status = 'timeout', next_attempt_at = NULL, completed_at = ?, last_error = ?::jsonb, updated_at = now()
       WHERE id IN (SELECT id FROM shunya_jobs WHERE job_status IN ('pending', 'running') AND created_at < ?
                    ORDER BY created_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now.toISOString(), JSON.stringify(error), cutoff.toISOString()],
    );
    const jobs = res.rows as JobRow[];
    for (const job of jobs) await finishAttempt(tx, job.id, 'failed', error);
    await insertEvents(
      tx,
      jobs.map((job) => ({
        type: 'shunya.job.timeout' as const,
        companyId: job.company_id,
        aggregateType: 'shunya_job' as const,
        aggregateId: job.id,
        data: { job_id: job.id, job_type: job.job_type, created_at: new Date(job.created_at).toISOString() },
      })),
    );
    for (const companyId of new Set(jobs.map((j) => j.company_id))) await wakeAdmission(tx, companyId);
    if (jobs.length > 0) deps.logger.warn({ count: jobs.length }, 'jobs timed out');
    return jobs.length;
  });
}
