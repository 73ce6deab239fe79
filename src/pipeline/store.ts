// The job and operation statements, named for what they do (STYLE §9). Callers own the transaction.
import type { JobError } from '../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../db/knex.ts';
import type { OperationKind, ShunyaErrorInfo } from '../shunya/types.ts';
import type { CsrInput, JobRow, JobType, OperationRow, VisitInput } from './model.ts';

export async function insertJob(
  tx: Tx,
  j: {
    companyId: string;
    type: JobType;
    callId?: string;
    sessionId?: string;
    input: CsrInput | VisitInput;
    maxAttempts: number;
  },
): Promise<JobRow> {
  const [row] = await tx('shunya_jobs')
    .insert({
      company_id: j.companyId,
      job_type: j.type,
      call_id: j.callId ?? null,
      recording_session_id: j.sessionId ?? null,
      input_payload: JSON.stringify(j.input),
      max_attempts: j.maxAttempts,
    })
    .returning('*');
  return row as JobRow;
}

export async function findJob(db: Db | Tx, id: string): Promise<JobRow | undefined> {
  return (await db('shunya_jobs').where({ id }).first()) as JobRow | undefined;
}

export async function lockJob(tx: Tx, id: string): Promise<JobRow | undefined> {
  return (await tx('shunya_jobs').where({ id }).forUpdate().first()) as JobRow | undefined;
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

export async function updateJob(tx: Tx, id: string, patch: Record<string, unknown>): Promise<JobRow> {
  const [row] = await tx('shunya_jobs')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row as JobRow;
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

// --- attempts -----------------------------------------------------------------------------------

export async function startAttempt(tx: Tx, job: JobRow): Promise<void> {
  await tx('shunya_job_attempts').insert({
    company_id: job.company_id,
    job_id: job.id,
    attempt: job.attempts,
    stage: job.stage,
  });
}

/** Closes the job's latest attempt with its outcome. */
export async function finishAttempt(
  tx: Tx,
  jobId: string,
  outcome: 'submitted' | 'waiting' | 'succeeded' | 'retry_scheduled' | 'failed',
  error: JobError | null = null,
): Promise<void> {
  await tx.raw(
    `UPDATE shunya_job_attempts SET outcome = ?, error = ?::jsonb,
            finished_at = CASE WHEN ? IN ('succeeded', 'retry_scheduled', 'failed') THEN now() ELSE finished_at END
     WHERE id = (SELECT max(id) FROM shunya_job_attempts WHERE job_id = ?)`,
    [outcome, error ? JSON.stringify(error) : null, outcome, jobId],
  );
}

// --- operations ---------------------------------------------------------------------------------

/** The live (not superseded) operation of a job's stage, created when missing. */
export async function ensureOperation(db: Db, job: JobRow, kind: OperationKind): Promise<OperationRow> {
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

/**
 * A running job and the live operation of its current stage (created when missing), in one round trip;
 * undefined when the job is not running or has no stage left.
 */
export async function runningJobAndOperation(
  db: Db,
  jobId: string,
): Promise<{ job: JobRow; op: OperationRow } | undefined> {
  const res = await db.raw(
    `WITH job AS (SELECT * FROM shunya_jobs WHERE id = ? AND job_status = 'running' AND stage <> 'done'),
     created AS (
       INSERT INTO shunya_operations (company_id, job_id, kind) SELECT company_id, id, stage FROM job
       ON CONFLICT (job_id, kind) WHERE status <> 'superseded' DO NOTHING
       RETURNING *)
     SELECT to_jsonb(job) AS job,
            coalesce((SELECT to_jsonb(created) FROM created),
                     (SELECT to_jsonb(o) FROM shunya_operations o
                      WHERE o.job_id = job.id AND o.kind = job.stage AND o.status <> 'superseded')) AS op
     FROM job`,
    [jobId],
  );
  const row = res.rows[0] as { job: JobRow; op: OperationRow | null } | undefined;
  if (!row) return undefined;
  // an operation committed by a concurrent run after this statement's snapshot: read it on its own
  return { job: row.job, op: row.op ?? (await ensureOperation(db, row.job, row.job.stage as OperationKind)) };
}

export async function lockOperation(tx: Tx, id: string): Promise<OperationRow | undefined> {
  return (await tx('shunya_operations').where({ id }).forUpdate().first()) as OperationRow | undefined;
}

export async function findOperation(db: Db | Tx, id: string): Promise<OperationRow | undefined> {
  return (await db('shunya_operations').where({ id }).first()) as OperationRow | undefined;
}

export async function updateOperation(tx: Tx, id: string, patch: Record<string, unknown>): Promise<void> {
  await tx('shunya_operations')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() });
}

/** Every operation carrying this Shunya id (unique per tenant, so at most one per tenant). */
export async function findOperationsByShunyaId(db: Db, shunyaJobId: string): Promise<OperationRow[]> {
  return (await db('shunya_operations').where({ shunya_job_id: shunyaJobId })) as OperationRow[];
}

/** When no operation carries the id: the tenant's still-submitting one for this Shunya call id (SQL). */
const ADOPTABLE = `
  SELECT to_jsonb(o) AS op, true AS adopt FROM shunya_operations o
  WHERE NOT EXISTS (SELECT 1 FROM by_id) AND o.company_id = :company AND o.kind = :kind AND o.status = 'submitting' AND o.job_id IN (
    SELECT j.id FROM calls c JOIN shunya_jobs j ON j.company_id = c.company_id AND j.call_id = c.id
    WHERE c.shunya_call_id = :call AND c.company_id = :company
    UNION ALL
    SELECT j.id FROM recording_sessions r JOIN shunya_jobs j ON j.company_id = r.company_id AND j.recording_session_id = r.id
    WHERE r.shunya_call_id = :call AND r.company_id = :company)
  LIMIT 1`;

/**
 * The operations a webhook names (D36, D78), in ONE statement, so one snapshot: every operation carrying
 * this Shunya id (unique per tenant; another tenant's means a company mismatch), else the operation it can
 * adopt, the tenant's still-submitting one of this kind for this Shunya call id. Two statements had a gap:
 * a submission committing between them was in neither (404 for a webhook that had raced its answer).
 * Every step is an index lookup: this runs on most webhooks when Shunya is fast.
 */
export async function findWebhookOperations(
  db: Db,
  q: {
    shunyaJobId: string;
    companyId: string | null;
    shunyaCallId: number | null;
    kind: OperationKind | null;
  },
): Promise<{ byId: OperationRow[]; adoptable: OperationRow | null }> {
  const canAdopt = q.companyId !== null && q.shunyaCallId !== null && q.kind !== null;
  const res = await db.raw(
    `WITH by_id AS (SELECT to_jsonb(o) AS op, false AS adopt FROM shunya_operations o WHERE o.shunya_job_id = :id)
     SELECT * FROM by_id
     ${canAdopt ? `UNION ALL (${ADOPTABLE})` : ''}`,
    { id: q.shunyaJobId, company: q.companyId, kind: q.kind, call: q.shunyaCallId },
  );
  const rows = res.rows as { op: OperationRow; adopt: boolean }[];
  return {
    byId: rows.filter((r) => !r.adopt).map((r) => r.op),
    adoptable: rows.find((r) => r.adopt)?.op ?? null,
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

/** Locks an operation and its job, in that order, in one round trip. */
export async function lockOperationAndJob(
  tx: Tx,
  operationId: string,
): Promise<{ op: OperationRow; job: JobRow } | undefined> {
  const res = await tx.raw(
    `SELECT to_jsonb(o) AS op, to_jsonb(j) AS job FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
     WHERE o.id = ? FOR UPDATE OF o, j`,
    [operationId],
  );
  const row = res.rows[0] as { op: OperationRow; job: JobRow } | undefined;
  return row;
}

/** Settles an operation (completed or failed) and removes its scheduled poll, in one statement. */
export async function settleOperation(
  tx: Tx,
  operationId: string,
  patch: Record<string, unknown>,
): Promise<void> {
  const columns = Object.keys(patch);
  await tx.raw(
    `WITH settled AS (
       UPDATE shunya_operations SET ${columns.map((c) => `${c} = ?`).join(', ')}, updated_at = now() WHERE id = ? RETURNING id)
     SELECT graphile_worker.remove_job('poll:' || id) FROM settled`,
    [...columns.map((c) => patch[c] as never), operationId],
  );
}

/** Marks the live operations of a job superseded (before resubmitting a stage). */
export async function supersedeOperations(tx: Tx, jobId: string, kind?: OperationKind): Promise<void> {
  const q = tx('shunya_operations')
    .where({ job_id: jobId })
    .whereIn('status', ['submitting', 'submitted', 'failed']);
  if (kind) q.andWhere({ kind });
  await q.update({ status: 'superseded', updated_at: tx.fn.now() });
}
