// create: a trigger creates the job, `pending` (§3.1 step 2, §3.2 step 2), in the statement that writes its
// call or recording session, or in the trigger's transaction. Admission follows in a statement of its own
// (admit.ts), which starts it when a slot and the quota allow; a CallRail trigger's job is admitted in the
// trigger's statement when the tenant has room (csrCallJobAdmittedParts, D341).
import type { Db, Tx } from '../../db/knex.ts';
import { compose, type Part, part, run, when } from '../../db/statement.ts';
import { jobStateEventsSql } from '../../domain/outbox.ts';
import type { RecordingSessionRow } from '../../domain/recording-sessions.ts';
import type { JobRow } from '../model.ts';
import { TASK } from '../queue.ts';
import { QUOTA_WINDOW_SQL } from '../quota.ts';
import type { AdmissionLimits } from './admit.ts';

/** A CSR call's job, for the call that part `call` returns (e.g. inserted): RETURNING the job row.
 * `traceparent`: the trigger's span, which the job's work joins (D196; handed down, D360). */
export function csrCallJobPart(
  name: string,
  call: string,
  audioUrl: string,
  maxAttempts: number,
  traceparent: string | null = null,
): Part {
  return part(
    name,
    `INSERT INTO shunya_jobs (company_id, job_type, call_id, input_payload, max_attempts, trace_context)
     SELECT company_id, 'csr_call', id,
            jsonb_build_object('call_id', id, 'shunya_call_id', shunya_call_id, 'audio_url', ?::text, 'call_type', 'csr_call'),
            ?::int, ?::text
     FROM ${call}
     RETURNING *`,
    [audioUrl, maxAttempts, traceparent],
  );
}

/**
 * The trigger's job, admitted in the trigger's own statement when the tenant has room (D341): parts `slot`
 * (the tenant's admission row, counted up when a slot is free, the hourly quota allows, and no due job of
 * the tenant waits: those go first, through admission), `job` (running and admitted when `slot` wrote, else
 * pending), its attempt, its stage's operation and its step, whose payload carries both (D340). The final
 * SELECT must read `step` for the step to be added. The slot's row is locked after the call's and lead's
 * rows (the UPDATE's condition reads `call`), as every trigger does; a tenant whose slots are all taken is
 * not locked at all (the snapshot's row fails the condition before any lock), and its triggers do not queue.
 * Admission's quota is read as admit.ts reads it: the jobs admitted in the window as of this statement's
 * snapshot, plus what the counter gained since (an UPDATE's condition sees the row's latest version).
 */
export function csrCallJobAdmittedParts(
  call: string,
  companyId: string,
  audioUrl: string,
  maxAttempts: number,
  limits: AdmissionLimits,
  now: Date,
  traceparent: string | null = null,
): Part[] {
  const at = now.toISOString();
  return [
    part(
      'slot',
      `UPDATE tenant_admission SET running = running + 1, admitted = admitted + 1
       WHERE company_id = ?::uuid AND running < ?::int AND EXISTS (SELECT 1 FROM ${call})
         AND (?::int = 0 OR ?::int
              - (SELECT count(*) FROM shunya_jobs WHERE company_id = ?::uuid AND admitted_at > ?::timestamptz - ?::interval)
              - (admitted - (SELECT admitted FROM tenant_admission WHERE company_id = ?::uuid)) > 0)
         AND NOT EXISTS (SELECT 1 FROM shunya_jobs WHERE company_id = ?::uuid AND job_status = 'pending'
                         AND (next_attempt_at IS NULL OR next_attempt_at <= ?::timestamptz))
       RETURNING company_id`,
      [
        companyId,
        limits.slots,
        limits.perHour,
        limits.perHour,
        companyId,
        at,
        QUOTA_WINDOW_SQL,
        companyId,
        companyId,
        at,
      ],
    ),
    part(
      'job',
      `INSERT INTO shunya_jobs (company_id, job_type, call_id, input_payload, max_attempts, trace_context,
                                job_status, attempts, admitted_at)
       SELECT company_id, 'csr_call', id,
              jsonb_build_object('call_id', id, 'shunya_call_id', shunya_call_id, 'audio_url', ?::text, 'call_type', 'csr_call'),
              ?::int, ?::text, CASE WHEN ${when('slot')} THEN 'running' ELSE 'pending' END,
              CASE WHEN ${when('slot')} THEN 1 ELSE 0 END, CASE WHEN ${when('slot')} THEN ?::timestamptz END
       FROM ${call}
       RETURNING *`,
      [audioUrl, maxAttempts, traceparent, at],
    ),
    part(
      'attempt',
      `INSERT INTO shunya_job_attempts (company_id, job_id, attempt, stage)
       SELECT company_id, id, attempts, stage FROM job WHERE job_status = 'running'`,
    ),
    part(
      'op',
      `INSERT INTO shunya_operations (company_id, job_id, kind)
       SELECT company_id, id, stage FROM job WHERE job_status = 'running'
       RETURNING to_jsonb(shunya_operations) AS op`,
    ),
    part(
      'step',
      `SELECT graphile_worker.add_job(identifier => ?, job_key => 'advance:' || job.id,
                payload => json_build_object('job_id', job.id, 'job', to_jsonb(job), 'op', op.op))
       FROM job, op`,
      [TASK.advance],
    ),
    // D381: the job admitted here is announced on the operator stream, as admit.ts announces its own
    part(
      'announced',
      jobStateEventsSql(
        `(SELECT id, company_id, job_status, stage, NULL::timestamptz AS next_attempt_at FROM job
          WHERE job_status = 'running') s`,
        'admitted',
      ),
    ),
  ];
}

/** A CSR call's job for a call that exists already (a repeated delivery brought its recording, D32). */
export async function createCsrCallJob(
  tx: Db | Tx,
  call: { id: string; company_id: string },
  audioUrl: string,
  maxAttempts: number,
  traceparent: string | null = null,
): Promise<JobRow> {
  const rows = await run<JobRow>(
    tx,
    compose(
      [
        part('c', 'SELECT id, company_id, shunya_call_id FROM calls WHERE company_id = ? AND id = ?', [
          call.company_id,
          call.id,
        ]),
        csrCallJobPart('job', 'c', audioUrl, maxAttempts, traceparent),
      ],
      'SELECT * FROM job',
    ),
  );
  return rows[0] as JobRow;
}

export async function createSalesVisitJob(
  tx: Db | Tx,
  session: RecordingSessionRow,
  maxAttempts: number,
  traceparent: string | null = null,
): Promise<JobRow> {
  const input = {
    recording_session_id: session.id,
    shunya_call_id: session.shunya_call_id,
    audio_url: session.audio_url ?? '',
    appointment_id: session.appointment_id,
    ghost_mode: session.ghost_mode,
    call_type: 'sales_call',
  };
  const res = await tx.raw(
    `INSERT INTO shunya_jobs (company_id, job_type, recording_session_id, input_payload, max_attempts, trace_context)
     VALUES (?, 'sales_visit', ?, ?::jsonb, ?, ?) RETURNING *`,
    [session.company_id, session.id, JSON.stringify(input), maxAttempts, traceparent],
  );
  return res.rows[0] as JobRow;
}
