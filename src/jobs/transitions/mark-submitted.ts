// markSubmitted (running → running): Shunya accepted the stage's submission (§3.1 step 2.3, §4.1). The operation
// keeps Shunya's id and becomes `submitted`, the attempt says so, and the fallback poll is scheduled (§9.3),
// in one statement; unless a webhook that outran the answer has completed (adopted) the operation already.
// A webhook recorded earlier with nothing but this id (D78) is claimed in the same statement, and the
// poll then runs at once (D103). A step that submitted without reading its job (D340) may be stale: a job
// that stopped running meanwhile (timed out, failed) leaves its operation as it was. A poll scheduled ahead
// is noticed as such, so that no worker fetches for it before it is due (D580).
import type { Db, Tx } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import { aheadNotice, TASK } from '../queue.ts';

const MARK_SUBMITTED = `WITH submitted AS (
       UPDATE shunya_operations SET status = 'submitted', shunya_job_id = :shunyaJob, transcript_id = :transcript,
              submitted_at = :now, next_poll_at = :firstPoll, updated_at = now()
       WHERE id = :operation AND status = 'submitting'
         AND EXISTS (SELECT 1 FROM shunya_jobs WHERE id = :job AND job_status = 'running') RETURNING id)
     , attempt AS (
       UPDATE shunya_job_attempts SET outcome = 'submitted'
       WHERE id = (SELECT max(id) FROM shunya_job_attempts WHERE job_id = :job) AND EXISTS (SELECT 1 FROM submitted))
     , claimed AS (
       DELETE FROM early_webhooks WHERE company_id = :company AND shunya_job_id = :shunyaJob
         AND EXISTS (SELECT 1 FROM submitted)
       RETURNING 1)
     , polled AS MATERIALIZED (
       SELECT graphile_worker.add_job(identifier => :task, payload => json_build_object('operation_id', id),
                                      run_at => CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN now() ELSE :firstPoll::timestamptz END,
                                      job_key => 'poll:' || id) AS job
       FROM submitted)
     SELECT ${aheadNotice('job')} FROM polled`;

export async function markSubmitted(
  db: Db | Tx,
  s: {
    operationId: string;
    companyId: string;
    jobId: string;
    shunyaJobId: string;
    transcriptId: number | null;
    now: Date;
    firstPoll: Date;
  },
): Promise<boolean> {
  const res = await prepared(
    db.raw(MARK_SUBMITTED, {
      shunyaJob: s.shunyaJobId,
      transcript: s.transcriptId,
      now: s.now,
      firstPoll: s.firstPoll.toISOString(),
      operation: s.operationId,
      job: s.jobId,
      company: s.companyId,
      task: TASK.poll,
    }),
    MARK_SUBMITTED,
  );
  return res.rows.length > 0;
}
