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

/** How many jobs of the tenant hold a slot, as last committed (no lock). */
export async function runningJobs(db: Db, companyId: string): Promise<number> {
  const row = (await db('tenant_admission').where({ company_id: companyId }).first('running')) as
    | { running: number }
    | undefined;
  return row?.running ?? 0;
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

/** When no operation carries the id: the tenant's still-submitting one for this Shunya call id (SQL). */
const ADOPTABLE = `
  SELECT to_jsonb(o) AS op, to_jsonb(j) AS job, true AS adopt FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
  WHERE NOT EXISTS (SELECT 1 FROM by_id) AND o.company_id = :company AND o.kind = :kind AND o.status = 'submitting' AND o.job_id IN (
    SELECT j.id FROM calls c JOIN shunya_jobs j ON j.company_id = c.company_id AND j.call_id = c.id
    WHERE c.shunya_call_id = :call AND c.company_id = :company
    UNION ALL
    SELECT j.id FROM recording_sessions r JOIN shunya_jobs j ON j.company_id = r.company_id AND j.recording_session_id = r.id
    WHERE r.shunya_call_id = :call AND r.company_id = :company)
  LIMIT 1`;

const BY_ID = `WITH by_id AS (
    SELECT to_jsonb(o) AS op, to_jsonb(j) AS job, false AS adopt FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
    WHERE o.shunya_job_id = :id)
  SELECT * FROM by_id`;

export type OperationAndJob = { op: OperationRow; job: JobRow };

/** Whether `e` is the unique violation of one Shunya job id per tenant's operations (§4.6 method 2). */
export const isShunyaJobIdTaken = (e: unknown): boolean =>
  (e as { code?: string }).code === '23505' &&
  (e as { constraint?: string }).constraint === 'shunya_operations_company_id_shunya_job_id_key';

/** The operation of a tenant that carries a Shunya job id (read only on the error path above). */
export async function operationHolding(
  db: Db,
  companyId: string,
  shunyaJobId: string,
): Promise<Pick<OperationRow, 'id' | 'job_id' | 'kind' | 'status'> | undefined> {
  return db('shunya_operations')
    .where({ company_id: companyId, shunya_job_id: shunyaJobId })
    .first('id', 'job_id', 'kind', 'status');
}

/**
 * The operations a webhook names, with their jobs (D36, D78), in ONE statement, so one snapshot: every
 * operation carrying this Shunya id (unique per tenant; another tenant's means a company mismatch), else the
 * operation it can adopt, the tenant's still-submitting one of this kind for this Shunya call id. Two
 * statements had a gap: a submission committing between them was in neither (404 for a webhook that had
 * raced its answer). Every step is an index lookup: this runs on most webhooks when Shunya is fast.
 */
export async function findWebhookOperations(
  db: Db,
  q: {
    shunyaJobId: string;
    companyId: string | null;
    shunyaCallId: number | null;
    kind: OperationKind | null;
  },
): Promise<{ byId: OperationAndJob[]; adoptable: OperationAndJob | null }> {
  const canAdopt = q.companyId !== null && q.shunyaCallId !== null && q.kind !== null;
  const sql = canAdopt ? `${BY_ID} UNION ALL (${ADOPTABLE})` : BY_ID;
  const res = await prepared(
    db.raw(
      sql,
      canAdopt
        ? { id: q.shunyaJobId, company: q.companyId, kind: q.kind, call: q.shunyaCallId }
        : { id: q.shunyaJobId },
    ),
    sql,
  );
  const rows = res.rows as (OperationAndJob & { adopt: boolean })[];
  const strip = ({ op, job }: OperationAndJob) => ({ op, job });
  return {
    byId: rows.filter((r) => !r.adopt).map(strip),
    adoptable: rows.find((r) => r.adopt) ? strip(rows.find((r) => r.adopt) as OperationAndJob) : null,
  };
}

/**
 * D78: a webhook names a Shunya id no operation carries, and cannot be matched by call id, while the tenant
 * has a submission of that kind in flight: it is recorded for that submission to claim (after committing
 * its id, it polls at once). Returns false when nothing is in flight (then no job can be this webhook's).
 */
export async function recordEarlyWebhook(
  db: Db,
  companyId: string,
  shunyaJobId: string,
  kind: OperationKind | null,
): Promise<boolean> {
  const res = await db.raw(
    `INSERT INTO early_webhooks (company_id, shunya_job_id)
     SELECT :company, :id WHERE EXISTS (
       SELECT 1 FROM shunya_operations WHERE company_id = :company AND status = 'submitting'
       ${kind ? 'AND kind = :kind' : ''})
     ON CONFLICT (company_id, shunya_job_id) DO UPDATE SET received_at = now()
     RETURNING 1`,
    { company: companyId, id: shunyaJobId, kind },
  );
  return res.rows.length > 0;
}

/**
 * A failed operation of a job that is not running (it waits for a retry): the operation alone is settled
 * as failed, so that the job's next attempt starts the stage again with a new operation. Guarded by the job
 * still waiting: once its retry runs (and may be resubmitting this very operation), the failure is its
 * attempt's, and the caller decides again (false).
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
       WHERE id = ? AND status IN ('submitting', 'submitted')
         AND EXISTS (SELECT 1 FROM shunya_jobs j WHERE j.id = shunya_operations.job_id AND j.job_status = 'pending')
       RETURNING id)
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

/** Asks the poller to look at an operation now (a webhook said it completed but carried no result, D36). */
export async function pollNow(db: Db, operationId: string): Promise<void> {
  await db.raw(
    `SELECT graphile_worker.add_job(identifier => ?, payload => json_build_object('operation_id', id),
                                    job_key => 'poll:' || id)
     FROM shunya_operations WHERE id = ? AND status = 'submitted'`,
    [TASK.poll, operationId],
  );
}
