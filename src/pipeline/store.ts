// The pipeline's reads of jobs and operations, and the writes that concern an operation alone (never a
// job's status: that is transitions/), named for what they do (STYLE §9). Callers own the transaction.
import type { JobError } from '../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../db/knex.ts';
import { prepared } from '../db/statement.ts';
import type { OperationKind, ShunyaErrorInfo } from '../shunya/types.ts';
import type { JobRow, OperationRow } from './model.ts';
import { TASK } from './queue.ts';

export async function findJob(db: Db | Tx, id: string): Promise<JobRow | undefined> {
  return (await db('shunya_jobs').where({ id }).first()) as JobRow | undefined;
}

export async function findJobFor(
  db: Db | Tx,
  companyId: string,
  by: { callId?: string; sessionId?: string },
): Promise<JobRow | undefined> {
  const q = db('shunya_jobs').where({ company_id: companyId });
  if (by.callId) q.andWhere({ call_id: by.callId });
  else q.andWhere({ recording_session_id: by.sessionId });
  return (await q.first()) as JobRow | undefined;
}

export function jobError(e: ShunyaErrorInfo, httpStatus: number | null, at: Date): JobError {
  return {
    error_code: e.error_code,
    error_type: e.error_type,
    message: e.message,
    retryable: e.retryable,
    http_status: httpStatus,
    shunya_request_id: e.request_id,
    at: at.toISOString(),
  };
}

// --- operations ---------------------------------------------------------------------------------

const OPERATION_AND_JOB = `SELECT to_jsonb(o) AS op, to_jsonb(j) AS job FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
     WHERE o.id = ?`;

/** An operation and its job, as they stand (no lock: the transition that follows is guarded). */
export async function operationAndJob(
  db: Db | Tx,
  operationId: string,
): Promise<{ op: OperationRow; job: JobRow } | undefined> {
  const res = await prepared(db.raw(OPERATION_AND_JOB, [operationId]), OPERATION_AND_JOB);
  return res.rows[0] as { op: OperationRow; job: JobRow } | undefined;
}

/** The live (not superseded) operation of a job's stage, created when missing. */
export async function ensureOperation(db: Db | Tx, job: JobRow, kind: OperationKind): Promise<OperationRow> {
  const res = await db.raw(
    `INSERT INTO shunya_operations (company_id, job_id, kind) VALUES (?, ?, ?)
     ON CONFLICT (job_id, kind) WHERE status <> 'superseded' DO NOTHING
     RETURNING *`,
    [job.company_id, job.id, kind],
  );
  if (res.rows.length > 0) return res.rows[0] as OperationRow;
  return (await db('shunya_operations')
    .where({ job_id: job.id, kind })
    .whereNot({ status: 'superseded' })
    .first()) as OperationRow;
}

const RUNNING_JOB_AND_OPERATION = `WITH job AS (SELECT * FROM shunya_jobs WHERE id = ? AND job_status = 'running' AND stage <> 'done'),
     created AS (
       INSERT INTO shunya_operations (company_id, job_id, kind) SELECT company_id, id, stage FROM job
       ON CONFLICT (job_id, kind) WHERE status <> 'superseded' DO NOTHING
       RETURNING *)
     SELECT to_jsonb(job) AS job,
            coalesce((SELECT to_jsonb(created) FROM created),
                     (SELECT to_jsonb(o) FROM shunya_operations o
                      WHERE o.job_id = job.id AND o.kind = job.stage AND o.status <> 'superseded')) AS op
     FROM job`;

/**
 * A running job and the live operation of its current stage (created when missing), in one round trip;
 * undefined when the job is not running or has no stage left.
 */
export async function runningJobAndOperation(
  db: Db,
  jobId: string,
): Promise<{ job: JobRow; op: OperationRow } | undefined> {
  const res = await prepared(db.raw(RUNNING_JOB_AND_OPERATION, [jobId]), RUNNING_JOB_AND_OPERATION);
  const row = res.rows[0] as { job: JobRow; op: OperationRow | null } | undefined;
  if (!row) return undefined;
  // an operation committed by a concurrent run after this statement's snapshot: read it on its own
  return { job: row.job, op: row.op ?? (await ensureOperation(db, row.job, row.job.stage as OperationKind)) };
}

/**
 * The stage's failed operation is abandoned and a new one created (a new Idempotency-Key, §4.6), in one
 * round trip: the job is resubmitting a stage whose last operation failed.
 */
export async function replaceFailedOperation(db: Db, job: JobRow, op: OperationRow): Promise<OperationRow> {
  const res = await db.raw(
    `WITH superseded AS (
       UPDATE shunya_operations SET status = 'superseded', updated_at = now() WHERE id = ? AND status = 'failed' RETURNING id)
     INSERT INTO shunya_operations (company_id, job_id, kind) SELECT ?, ?, ? FROM superseded
     ON CONFLICT (job_id, kind) WHERE status <> 'superseded' DO NOTHING RETURNING *`,
    [op.id, job.company_id, job.id, op.kind],
  );
  return (res.rows[0] as OperationRow | undefined) ?? ensureOperation(db, job, op.kind);
}

const OPERATIONS_BY_SHUNYA_ID = `SELECT to_jsonb(o) AS op, to_jsonb(j) AS job FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
     WHERE o.shunya_job_id = ?`;

/** Every operation carrying this Shunya id (unique per tenant, so at most one per tenant), with its job. */
export async function operationsByShunyaId(
  db: Db,
  shunyaJobId: string,
): Promise<{ op: OperationRow; job: JobRow }[]> {
  const res = await prepared(db.raw(OPERATIONS_BY_SHUNYA_ID, [shunyaJobId]), OPERATIONS_BY_SHUNYA_ID);
  return res.rows as { op: OperationRow; job: JobRow }[];
}

const SUBMITTING_OPERATION = `SELECT to_jsonb(o) AS op, to_jsonb(j) AS job FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
     WHERE o.company_id = ? AND o.kind = ? AND o.status = 'submitting' AND o.job_id IN (
       SELECT j.id FROM calls c JOIN shunya_jobs j ON j.company_id = c.company_id AND j.call_id = c.id
       WHERE c.shunya_call_id = ? AND c.company_id = ?
       UNION ALL
       SELECT j.id FROM recording_sessions r JOIN shunya_jobs j ON j.company_id = r.company_id AND j.recording_session_id = r.id
       WHERE r.shunya_call_id = ? AND r.company_id = ?)
     LIMIT 1`;

/**
 * The operation a webhook is about when Shunya's answer to the submission has not been stored yet (the
 * webhook raced it): the tenant's live, still-submitting operation of this kind for this Shunya call id,
 * with its job. Every step is an index lookup (calls/recording_sessions by shunya_call_id, the job by its
 * owner, the live operation by job and kind): this runs on most webhooks when Shunya is fast.
 */
export async function findSubmittingOperation(
  db: Db,
  companyId: string,
  shunyaCallId: number,
  kind: OperationKind,
): Promise<{ op: OperationRow; job: JobRow } | undefined> {
  const res = await prepared(
    db.raw(SUBMITTING_OPERATION, [companyId, kind, shunyaCallId, companyId, shunyaCallId, companyId]),
    SUBMITTING_OPERATION,
  );
  return res.rows[0] as { op: OperationRow; job: JobRow } | undefined;
}

/**
 * A failed operation of a job that is not running (it waits for a retry): the operation alone is settled
 * as failed, so that the job's next attempt starts the stage again with a new operation.
 */
export async function settleFailedOperation(
  db: Db,
  operationId: string,
  error: JobError,
  now: Date,
  adoptShunyaJobId: string | null,
): Promise<boolean> {
  const res = await db.raw(
    `WITH settled AS (
       UPDATE shunya_operations SET status = 'failed', error = ?::jsonb, completed_at = ?,
              shunya_job_id = COALESCE(shunya_job_id, ?), submitted_at = COALESCE(submitted_at, ?), updated_at = now()
       WHERE id = ? AND status IN ('submitting', 'submitted') RETURNING id)
     SELECT graphile_worker.remove_job('poll:' || id) FROM settled`,
    [JSON.stringify(error), now, adoptShunyaJobId, adoptShunyaJobId ? now : null, operationId],
  );
  return res.rows.length > 0;
}

/** A synchronous answer (segmentation, D3): the operation is `submitted`, unless a webhook completed it first. */
export async function markSubmittedSynchronously(db: Db, operationId: string, now: Date): Promise<boolean> {
  const moved = await db('shunya_operations')
    .where({ id: operationId, status: 'submitting' })
    .update({ status: 'submitted', submitted_at: now, updated_at: db.fn.now() });
  return moved > 0;
}

/** Schedules the operation's next poll (after `delayFor(poll_count + 1)`), if it is still waiting. */
export async function scheduleNextPoll(
  db: Db,
  operationId: string,
  delayFor: (pollCount: number) => number,
  now: Date,
): Promise<void> {
  const op = (await db('shunya_operations').where({ id: operationId }).first('poll_count')) as
    | { poll_count: number }
    | undefined;
  if (!op) return;
  const runAt = new Date(now.getTime() + delayFor(op.poll_count + 1) * 1000);
  await db.raw(
    `WITH waiting AS (
       UPDATE shunya_operations SET poll_count = poll_count + 1, next_poll_at = ?, updated_at = now()
       WHERE id = ? AND status = 'submitted' AND poll_count = ? RETURNING id)
     SELECT graphile_worker.add_job(identifier => ?, payload => json_build_object('operation_id', id),
                                    run_at => ?::timestamptz, job_key => 'poll:' || id)
     FROM waiting`,
    [runAt, operationId, op.poll_count, TASK.poll, runAt.toISOString()],
  );
}

/** Asks the poller to look at an operation now (a webhook said it completed but carried no result, D36). */
export async function pollNow(db: Db, operationId: string): Promise<void> {
  await db.raw(
    `SELECT graphile_worker.add_job(identifier => ?, payload => json_build_object('operation_id', id),
                                    job_key => 'poll:' || id)
     FROM shunya_operations WHERE id = ? AND status = 'submitted'`,
    [TASK.poll, operationId],
  );
}
