// admit: pending → running (§11.1, §11.2; D34, D97, D98). At most `slots` jobs of a tenant run at once, and
// at most `perHour` jobs are first admitted in any hour (0: no quota; the window is quota.ts's); the rest wait as `pending`, and only
// admitted work enters graphile-worker's queue, so a tenant with a backlog of thousands cannot push another
// tenant's work to the back of the queue.
//
// One statement. It locks the tenant's admission row, whose `running` and `admitted` counts it reads in
// their latest version (a locking read sees what a concurrent admission committed after this statement's
// snapshot), takes due pending jobs in order (retries, and new jobs within the quota), starts them with
// their attempt rows and their first step, and adds what it admitted to the counts. Every transition out of
// `running` subtracts in its own statement, and is followed by an admission of the tenant in a statement
// of its own: a statement cannot see what commits while it waits for a lock, so admission runs after the
// change that made room (D97). A last stage's completion runs this statement's choice (ADMISSION_CHOICE)
// and fills the slot it frees when it sees a job to fill it with; a slot it leaves free is admitted for here
// (D332, D402).
//
// A job started with no live operation for its stage (a new job, always) gets it here, and its step's
// payload carries the job and the operation as this statement left them, so that the step submits without
// reading them again (D340). A retry whose stage still has its operation gets a step with the job id alone,
// which reads them as before.
import type { Db, Tx } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import { jobStateEventsSql } from '../../domain/outbox.ts';
import { TASK } from '../queue.ts';
import { QUOTA_WINDOW_SQL, quotaLeftSql } from '../quota.ts';
import { stepPayload } from './step-payload.ts';

export interface AdmissionLimits {
  /** jobs of a tenant running at once (TENANT_MAX_CONCURRENT) */
  slots: number;
  /** jobs of a tenant first admitted in any hour (TENANT_JOBS_PER_HOUR); 0: no quota */
  perHour: number;
}

export const limitsOf = (config: {
  jobs: { tenantMaxConcurrent: number; jobsPerHour: number };
}): AdmissionLimits => ({
  slots: config.jobs.tenantMaxConcurrent,
  perHour: config.jobs.jobsPerHour,
});

const DUE = `company_id = :company AND job_status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= :now)`;
const ORDER = 'ORDER BY COALESCE(next_attempt_at, created_at), created_at';

/** Admits the tenant's due pending jobs into its free slots; returns the ids admitted. */
export async function admit(
  db: Db | Tx,
  companyId: string,
  limits: AdmissionLimits,
  now: Date,
): Promise<string[]> {
  const res = await prepared(
    db.raw(ADMIT, {
      company: companyId,
      now: now.toISOString(),
      slots: limits.slots,
      perHour: limits.perHour,
      window: QUOTA_WINDOW_SQL,
      task: TASK.advance,
    }),
    ADMIT,
  );
  return (res.rows as { id: string }[]).map((r) => r.id);
}

// D381: each job admitted is announced on the operator stream, in this statement
export const ADMITTED_EVENTS = jobStateEventsSql(
  `(SELECT id, company_id, 'running' AS job_status, stage, NULL::timestamptz AS next_attempt_at FROM started) s`,
  'admitted',
);

/**
 * Admission's choice, from the quota to the jobs it starts and their operations: one text, the quota
 * computed in one place. ADMIT locks `cap` (the tenant's admission row) before it; the last stages'
 * statements (D332) lock it with the slot they free counted, and count what was started after it.
 */
export const ADMISSION_CHOICE = `seen AS (
       SELECT admitted FROM tenant_admission WHERE company_id = :company
     ), free AS (
       SELECT greatest(0, :slots - coalesce((SELECT running FROM cap), :slots)) AS n
     ), quota AS (
       SELECT CASE WHEN :perHour = 0 THEN :slots ELSE greatest(0, ${quotaLeftSql(':company', '(SELECT admitted FROM cap) - (SELECT admitted FROM seen)')}) END AS n
     ), retries AS (
       SELECT id, COALESCE(next_attempt_at, created_at) AS due, created_at, false AS fresh FROM shunya_jobs
       WHERE ${DUE} AND admitted_at IS NOT NULL ${ORDER} LIMIT (SELECT n FROM free) FOR UPDATE
     ), fresh AS (
       SELECT id, COALESCE(next_attempt_at, created_at) AS due, created_at, true AS fresh FROM shunya_jobs
       WHERE ${DUE} AND admitted_at IS NULL ${ORDER} LIMIT least((SELECT n FROM free), (SELECT n FROM quota)) FOR UPDATE
     ), chosen AS (
       SELECT id, fresh FROM (SELECT * FROM retries UNION ALL SELECT * FROM fresh) c
       ORDER BY due, created_at LIMIT (SELECT n FROM free)
     ), started AS (
       UPDATE shunya_jobs j SET job_status = 'running', attempts = attempts + 1, next_attempt_at = NULL,
              admitted_at = COALESCE(admitted_at, :now), updated_at = now()
       FROM chosen WHERE j.id = chosen.id AND j.job_status = 'pending'
       RETURNING j.id, j.company_id, j.attempts, j.stage, chosen.fresh, to_jsonb(j) AS job
     ), op AS (
       INSERT INTO shunya_operations (company_id, job_id, kind)
       SELECT company_id, id, stage FROM started WHERE stage <> 'done'
       ON CONFLICT (job_id, kind) WHERE status <> 'superseded' DO NOTHING
       RETURNING job_id, to_jsonb(shunya_operations) AS op`;

export const ADMIT = `WITH cap AS (
       SELECT running, admitted FROM tenant_admission WHERE company_id = :company FOR UPDATE
     ), ${ADMISSION_CHOICE}
     ), counted AS (
       UPDATE tenant_admission SET running = running + (SELECT count(*) FROM started),
              admitted = admitted + (SELECT count(*) FROM started WHERE fresh)
       WHERE company_id = :company AND EXISTS (SELECT 1 FROM started)
     ), attempt AS (
       INSERT INTO shunya_job_attempts (company_id, job_id, attempt, stage)
       SELECT company_id, id, attempts, stage FROM started
     ), announced AS (
       ${ADMITTED_EVENTS}
     )
     SELECT s.id, graphile_worker.add_job(identifier => :task, job_key => 'advance:' || s.id,
              payload => ${stepPayload('s.id', 's.job', 'op.op')})
     FROM started s LEFT JOIN op ON op.job_id = s.id`;
