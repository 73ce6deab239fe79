// The transitions of an operation alone (operation-table.ts): creating the live operation of a job's stage,
// replacing a failed one, settling one whose job waits for its retry, and a synchronous answer's
// `submitted`. They were in store.ts; transitions/ is the one writer of every job state table (issue 19,
// D231). Each is one whole statement with named parameters (D232).
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import type { OperationKind } from '../../shunya/types.ts';
import type { JobRow, OperationRow } from '../model.ts';

const ENSURE_OPERATION = `INSERT INTO shunya_operations (company_id, job_id, kind) VALUES (:company, :job, :kind)
     ON CONFLICT (job_id, kind) WHERE status <> 'superseded' DO NOTHING
     RETURNING *`;

/** ensureOperation (new → submitting): the live (not superseded) operation of a job's stage, created when missing. */
export async function ensureOperation(db: Db | Tx, job: JobRow, kind: OperationKind): Promise<OperationRow> {
  const res = await db.raw(ENSURE_OPERATION, { company: job.company_id, job: job.id, kind });
  if (res.rows.length > 0) return res.rows[0] as OperationRow;
  return (await db('shunya_operations')
    .where({ job_id: job.id, kind })
    .whereNot({ status: 'superseded' })
    .first()) as OperationRow;
}

const RUNNING_JOB_AND_OPERATION = `WITH job AS (SELECT * FROM shunya_jobs WHERE id = :job AND job_status = 'running' AND stage <> 'done'),
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
 * runningJobAndOperation (new → submitting): a running job and the live operation of its current stage
 * (created when missing), in one round trip; undefined when the job is not running or has no stage left.
 */
export async function runningJobAndOperation(
  db: Db,
  jobId: string,
): Promise<{ job: JobRow; op: OperationRow } | undefined> {
  const res = await prepared(db.raw(RUNNING_JOB_AND_OPERATION, { job: jobId }), RUNNING_JOB_AND_OPERATION);
  const row = res.rows[0] as { job: JobRow; op: OperationRow | null } | undefined;
  if (!row) return undefined;
  // an operation committed by a concurrent run after this statement's snapshot: read it on its own
  return { job: row.job, op: row.op ?? (await ensureOperation(db, row.job, row.job.stage as OperationKind)) };
}

const REPLACE_FAILED_OPERATION = `WITH superseded AS (
       UPDATE shunya_operations SET status = 'superseded', updated_at = now()
       WHERE id = :operation AND status = 'failed' RETURNING id)
     INSERT INTO shunya_operations (company_id, job_id, kind) SELECT :company, :job, :kind FROM superseded
     ON CONFLICT (job_id, kind) WHERE status <> 'superseded' DO NOTHING RETURNING *`;

/**
 * replaceFailedOperation (failed → superseded, new → submitting): the stage's failed operation is abandoned
 * and a new one created (a new Idempotency-Key, §4.6), in one round trip: the job is resubmitting a stage
 * whose last operation failed.
 */
export async function replaceFailedOperation(db: Db, job: JobRow, op: OperationRow): Promise<OperationRow> {
  const res = await db.raw(REPLACE_FAILED_OPERATION, {
    operation: op.id,
    company: job.company_id,
    job: job.id,
    kind: op.kind,
  });
  return (res.rows[0] as OperationRow | undefined) ?? ensureOperation(db, job, op.kind);
}

const SETTLE_FAILED_OPERATION = `WITH settled AS (
       UPDATE shunya_operations SET status = 'failed', error = :error::jsonb, completed_at = :now,
              shunya_job_id = COALESCE(shunya_job_id, :adopt), submitted_at = COALESCE(submitted_at, :adoptedAt),
              updated_at = now()
       WHERE id = :operation AND status IN ('submitting', 'submitted')
         AND EXISTS (SELECT 1 FROM shunya_jobs j WHERE j.id = shunya_operations.job_id AND j.job_status = 'pending')
       RETURNING id)
     SELECT graphile_worker.remove_job('poll:' || id) FROM settled`;

/**
 * settleFailedOperation (submitting | submitted → failed): a failed operation of a job that is not running
 * (it waits for a retry): the operation alone is settled as failed, so that the job's next attempt starts
 * the stage again with a new operation. Guarded by the job still waiting: once its retry runs (and may be
 * resubmitting this very operation), the failure is its attempt's, and the caller decides again (false).
 */
export async function settleFailedOperation(
  db: Db,
  operationId: string,
  error: JobError,
  now: Date,
  adoptShunyaJobId: string | null,
): Promise<boolean> {
  const res = await db.raw(SETTLE_FAILED_OPERATION, {
    error: JSON.stringify(error),
    now,
    adopt: adoptShunyaJobId,
    adoptedAt: adoptShunyaJobId ? now : null,
    operation: operationId,
  });
  return res.rows.length > 0;
}

const MARK_SUBMITTED_SYNCHRONOUSLY = `UPDATE shunya_operations SET status = 'submitted', submitted_at = :now, updated_at = now()
     WHERE id = :operation AND status = 'submitting'
     RETURNING id`;

/**
 * markSubmittedSynchronously (submitting → submitted): a synchronous answer (segmentation, D3): the
 * operation is `submitted`, unless a webhook completed it first.
 */
export async function markSubmittedSynchronously(db: Db, operationId: string, now: Date): Promise<boolean> {
  const res = await db.raw(MARK_SUBMITTED_SYNCHRONOUSLY, { now, operation: operationId });
  return res.rows.length > 0;
}
