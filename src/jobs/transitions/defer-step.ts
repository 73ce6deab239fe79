// deferStep (running → running): Shunya asked Otto to wait, an open circuit breaker or a rate limit (§9.1;
// D35): flow control, not a failed attempt. The job keeps its slot; its step runs again at `runAt`. The
// error is the job's last error, and its operation's (D80).
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import { jobStateEventsSql } from '../../domain/outbox.ts';
import { aheadNotice, TASK } from '../queue.ts';

// The step is added again without a job key (see fragments.ts addStep); with no operation, `noted` matches
// no row (id = NULL). The wait is announced on the operator stream (D381), and the step as scheduled ahead
// (D580).
const DEFER_STEP = `WITH moved AS (
       UPDATE shunya_jobs SET last_error = :error::jsonb, updated_at = now() WHERE id = :job AND job_status = 'running'
       RETURNING id, company_id, job_status, stage, :runAt::timestamptz AS next_attempt_at)
     , step AS MATERIALIZED (
       SELECT graphile_worker.add_job(identifier => :task, payload => json_build_object('job_id', :job::uuid),
                                      run_at => :runAt::timestamptz) AS job
       WHERE EXISTS (SELECT 1 FROM moved))
     , noted AS (
       UPDATE shunya_operations SET error = :error::jsonb, updated_at = now()
       WHERE id = :operation::uuid AND EXISTS (SELECT 1 FROM moved))
     , announced AS (${jobStateEventsSql('moved', 'deferred')})
     SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM step)::int AS step,
            (SELECT ${aheadNotice('job')} FROM step) AS ahead`;

export async function deferStep(
  db: Db | Tx,
  jobId: string,
  error: JobError,
  runAt: Date,
  operationId: string | null = null,
): Promise<boolean> {
  const res = await prepared(
    db.raw(DEFER_STEP, {
      error: JSON.stringify(error),
      job: jobId,
      task: TASK.advance,
      runAt: runAt.toISOString(),
      operation: operationId,
    }),
    DEFER_STEP,
  );
  return (res.rows[0]?.moved ?? 0) > 0;
}
