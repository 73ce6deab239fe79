// The reads of jobs and operations, named for what they do (STYLE §9), and the two writes that touch no job
// state table (an early webhook's record, a poll asked for now). Every write of a job, an operation, an
// attempt or a slot is a transition (transitions/, D231). Callers own the transaction.
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

/** When no operation carries the id: the tenant's still-submitting one for this Shunya call id (SQL). */
const ADOPTABLE = `adoptable AS (
  SELECT to_jsonb(o) AS op, to_jsonb(j) AS job, true AS adopt FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
  WHERE NOT EXISTS (SELECT 1 FROM by_id) AND o.company_id = :company AND o.kind = :kind AND o.status = 'submitting' AND o.job_id IN (
    SELECT j.id FROM calls c JOIN shunya_jobs j ON j.company_id = c.company_id AND j.call_id = c.id
    WHERE c.shunya_call_id = :call AND c.company_id = :company
    UNION ALL
    SELECT j.id FROM recording_sessions r JOIN shunya_jobs j ON j.company_id = r.company_id AND j.recording_session_id = r.id
    WHERE r.shunya_call_id = :call AND r.company_id = :company)
  LIMIT 1)`;

const BY_ID = `by_id AS (
    SELECT to_jsonb(o) AS op, to_jsonb(j) AS job, false AS adopt FROM shunya_operations o JOIN shunya_jobs j ON j.id = o.job_id
    WHERE o.shunya_job_id = :id)`;

export interface WebhookLookup {
  shunyaJobId: string;
  companyId: string | null;
  shunyaCallId: number | null;
  kind: OperationKind | null;
}

/**
 * The lookup's CTEs, `by_id` and (when the webhook can adopt) `adoptable`, and the expression of the rows
 * they found (op, job, adopt), for findWebhookOperations and for the completion that carries the lookup
 * with it (D510); their named parameters are `:id`, `:company`, `:kind` and `:call`.
 */
export function webhookLookup(q: WebhookLookup): {
  ctes: string;
  rows: string;
  params: Record<string, unknown>;
} {
  const canAdopt = q.companyId !== null && q.shunyaCallId !== null && q.kind !== null;
  return canAdopt
    ? {
        ctes: `${BY_ID}, ${ADOPTABLE}`,
        rows: 'SELECT * FROM by_id UNION ALL SELECT * FROM adoptable',
        params: { id: q.shunyaJobId, company: q.companyId, kind: q.kind, call: q.shunyaCallId },
      }
    : { ctes: BY_ID, rows: 'SELECT * FROM by_id', params: { id: q.shunyaJobId } };
}

/** The rows of webhookLookup, as findWebhookOperations answers them. */
export function webhookOperations(rows: (OperationAndJob & { adopt: boolean })[]): {
  byId: OperationAndJob[];
  adoptable: OperationAndJob | null;
} {
  const strip = ({ op, job }: OperationAndJob) => ({ op, job });
  const adoptable = rows.find((r) => r.adopt);
  return { byId: rows.filter((r) => !r.adopt).map(strip), adoptable: adoptable ? strip(adoptable) : null };
}

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
  q: WebhookLookup,
): Promise<{ byId: OperationAndJob[]; adoptable: OperationAndJob | null }> {
  const lookup = webhookLookup(q);
  const sql = `WITH ${lookup.ctes} ${lookup.rows}`;
  const res = await prepared(db.raw(sql, lookup.params), sql);
  return webhookOperations(res.rows as (OperationAndJob & { adopt: boolean })[]);
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

/** Asks the poller to look at an operation now (a webhook said it completed but carried no result, D36). */
export async function pollNow(db: Db | Tx, operationId: string): Promise<void> {
  await db.raw(
    `SELECT graphile_worker.add_job(identifier => ?, payload => json_build_object('operation_id', id),
                                    job_key => 'poll:' || id)
     FROM shunya_operations WHERE id = ? AND status = 'submitted'`,
    [TASK.poll, operationId],
  );
}
