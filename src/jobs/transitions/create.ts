// create: a trigger creates the job, `pending` (§3.1 step 2, §3.2 step 2), in the statement that writes its
// call (createCallWithJob, with the call's lead) or in the trigger's transaction. Admission follows in a
// statement of its own (admit.ts), which starts it when a slot and the quota allow; a CallRail trigger's job
// is admitted in the trigger's statement when the tenant has room (D341). Each creation is one whole
// statement with named parameters (D400).
import type { Db, Tx } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import type { CallRow, IncomingCall } from '../../domain/calls.ts';
import { jobStateEventsSql } from '../../domain/outbox.ts';
import type { RecordingSessionRow } from '../../domain/recording-sessions.ts';
import type { JobRow } from '../model.ts';
import { TASK } from '../queue.ts';
import { QUOTA_WINDOW_SQL, quotaLeftSql } from '../quota.ts';
import type { AdmissionLimits } from './admit.ts';

// D411: a job created pending (its tenant had no room) is announced on the operator stream, in the statement
// that creates it, as D381 announces its admission; a creation that did not happen announces nothing.
const CREATED_EVENTS = jobStateEventsSql(
  `(SELECT id, company_id, job_status, stage, next_attempt_at FROM job WHERE job_status = 'pending') s`,
  'created',
);

/** The call's row, its job (null without a recording), and what the statement read of the tenant's slots. */
export interface CallWithJob {
  call: CallRow;
  job: JobRow | null;
  running: number | null;
  stepped: number | null;
}

/**
 * A new CallRail call with its lead, its job (for a call with a recording) and an operator's audit entry, in
 * one statement (D99, D150, D400); nothing when this CallRail call is known already (a repeated delivery,
 * D32: `call` inserts nothing, so nothing after it writes). Parts a call does not have are switched off by
 * their parameters being null (:leadPhone, :audioUrl, :auditAction), so that the statement's text is one.
 *
 * A call with a phone number gets the tenant's lead for that number (created when new); one without gets a
 * lead of its own, whose id (:newLead) is chosen by the caller so that the call can name it, created only
 * with the call (the foreign key is checked at the end of the statement).
 *
 * The job is admitted here when the tenant has room (D341): `slot` (the tenant's admission row, counted up
 * when a slot is free, the hourly quota allows, and no due job of the tenant waits: those go first, through
 * admission), `job` (running and admitted when `slot` wrote, else pending), its attempt, its stage's
 * operation and its step, whose payload carries both (D340); the final SELECT reads `step` so that the step
 * is added. Lock order: the lead's and the call's rows, then the slot's row (the UPDATE's condition reads
 * `call`), as every trigger does; a tenant whose slots are all taken is not locked at all (the snapshot's
 * row fails the condition before any lock), and its triggers do not queue. The quota is read as admit.ts
 * reads it: the jobs admitted in the window as of this statement's snapshot, plus what the counter gained
 * since (an UPDATE's condition sees the row's latest version, D410). A job admitted here is announced on
 * the operator stream (D381), one left pending too (D411). :trace is the trigger's span, which the job's work joins (D196; handed down, D360).
 */
export const CREATE_CALL_WITH_JOB = `WITH tenant AS (
       SELECT id FROM companies
       WHERE id = :company::uuid AND disabled_at IS NULL
         AND (:keyHash::text IS NULL OR (callrail_signature_algorithm = :algorithm::text
              AND sha256(convert_to(callrail_signing_key, 'UTF8')) = decode(:keyHash::text, 'hex')))
     ), lead AS (
       INSERT INTO leads (company_id, customer_phone, customer_name)
       SELECT :company::uuid, :leadPhone::text, :name::text WHERE :leadPhone::text IS NOT NULL
         AND EXISTS (SELECT 1 FROM tenant)
       ON CONFLICT (company_id, customer_phone) DO UPDATE SET customer_name = COALESCE(leads.customer_name, EXCLUDED.customer_name)
       RETURNING id
     ), call AS (
       INSERT INTO calls (company_id, callrail_call_id, recording_url, customer_phone, customer_name, duration_seconds,
                          direction, answered, started_at, callrail_payload, lead_id)
       SELECT :company::uuid, :callrailCall, :recordingUrl, :phone, :name, :duration::int, :direction, :answered::boolean,
              :startedAt::timestamptz, :payload::jsonb, COALESCE((SELECT id FROM lead), :newLead::uuid)
       WHERE EXISTS (SELECT 1 FROM tenant)
       ON CONFLICT (company_id, callrail_call_id) DO NOTHING
       RETURNING *
     ), own_lead AS (
       INSERT INTO leads (id, company_id, customer_name)
       SELECT :newLead::uuid, :company::uuid, :name WHERE :leadPhone::text IS NULL AND EXISTS (SELECT 1 FROM call)
     ), slot AS (
       UPDATE tenant_admission SET running = running + 1, admitted = admitted + 1
       WHERE company_id = :company::uuid AND running < :slots::int AND :audioUrl::text IS NOT NULL
         AND EXISTS (SELECT 1 FROM call)
         AND (:perHour::int = 0
              OR ${quotaLeftSql(':company::uuid', 'admitted - (SELECT admitted FROM tenant_admission WHERE company_id = :company::uuid)')} > 0)
         AND NOT EXISTS (SELECT 1 FROM shunya_jobs WHERE company_id = :company::uuid AND job_status = 'pending'
                         AND (next_attempt_at IS NULL OR next_attempt_at <= :now::timestamptz))
       RETURNING company_id
     ), job AS (
       INSERT INTO shunya_jobs (company_id, job_type, call_id, input_payload, max_attempts, trace_context,
                                job_status, attempts, admitted_at)
       SELECT company_id, 'csr_call', id,
              jsonb_build_object('call_id', id, 'shunya_call_id', shunya_call_id, 'audio_url', :audioUrl::text, 'call_type', 'csr_call'),
              :maxAttempts::int, :trace::text, CASE WHEN EXISTS (SELECT 1 FROM slot) THEN 'running' ELSE 'pending' END,
              CASE WHEN EXISTS (SELECT 1 FROM slot) THEN 1 ELSE 0 END,
              CASE WHEN EXISTS (SELECT 1 FROM slot) THEN :now::timestamptz END
       FROM call WHERE :audioUrl::text IS NOT NULL
       RETURNING *
     ), attempt AS (
       INSERT INTO shunya_job_attempts (company_id, job_id, attempt, stage)
       SELECT company_id, id, attempts, stage FROM job WHERE job_status = 'running'
     ), op AS (
       INSERT INTO shunya_operations (company_id, job_id, kind)
       SELECT company_id, id, stage FROM job WHERE job_status = 'running'
       RETURNING to_jsonb(shunya_operations) AS op
     ), step AS (
       SELECT graphile_worker.add_job(identifier => :task, job_key => 'advance:' || job.id,
                payload => json_build_object('job_id', job.id, 'job', to_jsonb(job), 'op', op.op))
       FROM job, op
     ), announced AS (
       ${jobStateEventsSql(
         `(SELECT id, company_id, job_status, stage, NULL::timestamptz AS next_attempt_at FROM job
          WHERE job_status = 'running') s`,
         'admitted',
       )}
     ), waiting AS (
       ${CREATED_EVENTS}
     ), audit AS (
       INSERT INTO audit_log (actor, actor_kind, action, target_type, target_id, company_id, details, request_id)
       SELECT :auditActor, :auditActorKind, :auditAction, 'job', id::text, company_id,
              jsonb_build_object('call_id', call_id, 'recording_session_id', recording_session_id), :auditRequest
       FROM job WHERE :auditAction::text IS NOT NULL
       RETURNING id
     )
     SELECT EXISTS (SELECT 1 FROM tenant) AS tenant_current, to_jsonb(call) AS call,
            (SELECT to_jsonb(job) FROM job) AS job,
            (SELECT running FROM tenant_admission WHERE company_id = call.company_id) AS running,
            CASE WHEN :audioUrl::text IS NULL THEN NULL ELSE (SELECT count(*) FROM step)::int END AS stepped
     FROM (SELECT 1) one LEFT JOIN call ON true`;

/**
 * What the API process's cached tenant row (D412) assumed of the tenant when it checked the call's signature:
 * the key (its SHA-256, hex: the key itself is not a statement parameter) and the algorithm.
 */
export interface TenantSeen {
  keySha256: string;
  algorithm: string;
}

/** The tenant was disabled or re-keyed since the caller read it: nothing was written (D412). */
export class TenantChanged extends Error {
  constructor(readonly companyId: string) {
    super(`Company ${companyId} was disabled or re-keyed since it was read`);
  }
}

/** Who asks for an operator's trigger, for its audit entry (D150). */
export interface CreationAudit {
  actor: string;
  actorKind: string;
  action: string;
  requestId: string | null;
}

/**
 * See CREATE_CALL_WITH_JOB; undefined for a CallRail call already known (a repeated delivery). Throws
 * TenantChanged, having written nothing, when the tenant is disabled or, with `tenant`, no longer has the
 * key and algorithm the caller checked the signature with (D412).
 */
export async function createCallWithJob(
  db: Db | Tx,
  c: {
    companyId: string;
    incoming: IncomingCall;
    newLeadId: string;
    maxAttempts: number;
    limits: AdmissionLimits;
    now: Date;
    traceparent: string | null;
    audit: CreationAudit | null;
    tenant?: TenantSeen;
  },
): Promise<CallWithJob | undefined> {
  const i = c.incoming;
  const res = await prepared(
    db.raw(CREATE_CALL_WITH_JOB, {
      company: c.companyId,
      // a call with an empty phone number gets a lead of its own, as one without did before D400
      leadPhone: i.customerPhone || null,
      phone: i.customerPhone ?? null,
      name: i.customerName ?? null,
      callrailCall: i.callrailCallId,
      recordingUrl: i.recordingUrl ?? null,
      duration: i.durationSeconds ?? null,
      direction: i.direction ?? null,
      answered: i.answered ?? null,
      startedAt: i.startedAt ?? null,
      payload: JSON.stringify(i.payload),
      newLead: c.newLeadId,
      audioUrl: i.recordingUrl || null,
      slots: c.limits.slots,
      perHour: c.limits.perHour,
      now: c.now.toISOString(),
      window: QUOTA_WINDOW_SQL,
      maxAttempts: c.maxAttempts,
      trace: c.traceparent,
      task: TASK.advance,
      auditActor: c.audit?.actor ?? null,
      auditActorKind: c.audit?.actorKind ?? null,
      auditAction: c.audit?.action ?? null,
      auditRequest: c.audit?.requestId ?? null,
      keyHash: c.tenant?.keySha256 ?? null,
      algorithm: c.tenant?.algorithm ?? null,
    }),
    CREATE_CALL_WITH_JOB,
  );
  const row = res.rows[0] as Omit<CallWithJob, 'call'> & { call: CallRow | null; tenant_current: boolean };
  if (!row.tenant_current) throw new TenantChanged(c.companyId);
  if (!row.call) return undefined;
  return { call: row.call, job: row.job, running: row.running, stepped: row.stepped };
}

/** A CSR call's job for a call that exists already (a repeated delivery brought its recording, D32). */
const CREATE_CSR_CALL_JOB = `WITH job AS (
       INSERT INTO shunya_jobs (company_id, job_type, call_id, input_payload, max_attempts, trace_context)
       SELECT company_id, 'csr_call', id,
              jsonb_build_object('call_id', id, 'shunya_call_id', shunya_call_id, 'audio_url', :audioUrl::text, 'call_type', 'csr_call'),
              :maxAttempts::int, :trace::text
       FROM calls WHERE company_id = :company AND id = :call
       RETURNING *
     ), waiting AS (
       ${CREATED_EVENTS}
     )
     SELECT * FROM job`;

export async function createCsrCallJob(
  tx: Db | Tx,
  call: { id: string; company_id: string },
  audioUrl: string,
  maxAttempts: number,
  traceparent: string | null = null,
): Promise<JobRow> {
  const res = await prepared(
    tx.raw(CREATE_CSR_CALL_JOB, {
      company: call.company_id,
      call: call.id,
      audioUrl,
      maxAttempts,
      trace: traceparent,
    }),
    CREATE_CSR_CALL_JOB,
  );
  return res.rows[0] as JobRow;
}

const CREATE_SALES_VISIT_JOB = `WITH job AS (
       INSERT INTO shunya_jobs (company_id, job_type, recording_session_id, input_payload, max_attempts, trace_context)
       VALUES (:company, 'sales_visit', :session, :input::jsonb, :maxAttempts, :trace) RETURNING *
     ), waiting AS (
       ${CREATED_EVENTS}
     )
     SELECT * FROM job`;

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
  const res = await prepared(
    tx.raw(CREATE_SALES_VISIT_JOB, {
      company: session.company_id,
      session: session.id,
      input: JSON.stringify(input),
      maxAttempts,
      trace: traceparent,
    }),
    CREATE_SALES_VISIT_JOB,
  );
  return res.rows[0] as JobRow;
}
