// retryByOperator (failed | timeout → pending): an operator puts a job back in line from the stage where it
// stopped, with fresh attempts (ops API, D37). Whatever the stopped stage had at Shunya is abandoned
// (superseded): a late webhook for it is acknowledged and ignored. Admission follows in its own statement.
import type { Db, Tx } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import { jobStateEventsSql } from '../../domain/outbox.ts';
import type { JobRow, JobStatus } from '../model.ts';

export type OperatorRetry =
  | { kind: 'ok'; job: JobRow }
  | { kind: 'not_found' }
  | { kind: 'not_retryable'; status: JobStatus };

const RETRY_BY_OPERATOR = `WITH was AS (SELECT id, job_status FROM shunya_jobs WHERE id = :job FOR UPDATE)
     , moved AS (
       UPDATE shunya_jobs j SET job_status = 'pending', attempts = 0, next_attempt_at = NULL, completed_at = NULL,
              updated_at = now()
       FROM was WHERE j.id = was.id AND was.job_status IN ('failed', 'timeout') RETURNING j.*)
     , superseded AS (
       UPDATE shunya_operations SET status = 'superseded', updated_at = now()
       WHERE job_id = :job AND kind = (SELECT stage FROM moved) AND status IN ('submitting', 'submitted', 'failed'))
     , announced AS (${jobStateEventsSql('moved', 'retried_by_operator')})
     SELECT was.job_status AS was_status, moved.id AS moved_id, moved.* FROM was LEFT JOIN moved ON moved.id = was.id`;

export async function retryByOperator(db: Db | Tx, jobId: string): Promise<OperatorRetry> {
  const res = await prepared(db.raw(RETRY_BY_OPERATOR, { job: jobId }), RETRY_BY_OPERATOR);
  const row = res.rows[0] as (JobRow & { was_status: JobStatus; moved_id: string | null }) | undefined;
  if (!row) return { kind: 'not_found' };
  if (!row.moved_id) return { kind: 'not_retryable', status: row.was_status };
  const { was_status: _, moved_id: __, ...job } = row;
  return { kind: 'ok', job: job as JobRow };
}
