// The triggers (§3.1 steps 1-2, §3.2 steps 1-2): the business rows and the ShunyaJob are written together
// or not at all, then the tenant's admission runs (D97), which starts the job when a slot and the quota allow.
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db/knex.ts';
import { retryConflicts, transaction } from '../db/tx.ts';
import { type Actor, type AuditAction, recordAudit } from '../domain/audit-log.ts';
import { attachRecording, type IncomingCall, lockCall } from '../domain/calls.ts';
import type { CompanyRow } from '../domain/companies.ts';
import { recordUpload, type Upload } from '../domain/recording-sessions.ts';
import { admitTenant } from '../jobs/admission.ts';
import type { PipelineDeps } from '../jobs/deps.ts';
import type { JobRow, JobStatus } from '../jobs/model.ts';
import { findJobFor, runningJobs } from '../jobs/store.ts';
import {
  createCallWithJob,
  createCsrCallJob,
  createSalesVisitJob,
  limitsOf,
  TenantChanged,
} from '../jobs/transitions/index.ts';
import { inSpan, traceparentOf } from '../tracing.ts';

/** `trace`: the request's server span, stored with the job and the parent of admission (D196, D360) */
export type TriggerDeps = Pick<PipelineDeps, 'db' | 'config' | 'clock' | 'trace'>;

/** An operator's trigger (the console's test traffic): its audit entry commits with the job it creates (D150). */
export interface TriggerAudit {
  actor: Actor;
  action: AuditAction;
  requestId?: string;
}

const auditEntry = (a: TriggerAudit, job: JobRow) => ({
  action: a.action,
  targetType: 'job',
  targetId: job.id,
  companyId: job.company_id,
  details: { call_id: job.call_id, recording_session_id: job.recording_session_id },
  requestId: a.requestId,
});

export interface CallAccepted {
  status: 'queued' | 'stored_without_recording';
  call_id: string;
  job_id: string | null;
  duplicate: boolean;
}

export { TenantChanged };

/**
 * A CallRail call for `company`, as the caller read it and checked the call's signature with. The statement
 * writes only if the tenant is still enabled with that key and algorithm, else throws TenantChanged having
 * written nothing, so that a caller holding a cached row (D412) re-reads it and answers as the row now says.
 */
export async function acceptCallRailCall(
  db: Db,
  company: CompanyRow,
  incoming: IncomingCall,
  deps: Omit<TriggerDeps, 'db'>,
  audit?: TriggerAudit,
): Promise<CallAccepted> {
  const d = { ...deps, db };
  // one statement: the call, its lead, its job (admitted when the tenant has room, D341) and an operator's
  // audit entry (D99, D150, D400)
  const newLeadId = randomUUID();
  // With a recording the statement is also the job's admission (D341), so it is the trace's admission span
  // (D401); without one it is not admission at all, and makes no such span.
  const statement = () =>
    createCallWithJob(db, {
      companyId: company.id,
      incoming,
      newLeadId,
      maxAttempts: deps.config.jobs.maxAttempts,
      limits: limitsOf(deps.config),
      now: deps.clock.now(),
      traceparent: traceparentOf(deps.trace),
      tenant: {
        keySha256: createHash('sha256').update(company.callrail_signing_key, 'utf8').digest('hex'),
        algorithm: company.callrail_signature_algorithm,
      },
      audit: audit
        ? {
            actor: audit.actor.name,
            actorKind: audit.actor.kind,
            action: audit.action,
            requestId: audit.requestId ?? null,
          }
        : null,
    });
  const created = incoming.recordingUrl
    ? await inSpan(
        'otto.admission',
        {
          onlyInTrace: true,
          parent: deps.trace,
          attributes: { 'otto.company_id': company.id, 'otto.admission.site': 'trigger' },
        },
        async (span) => {
          const r = await retryConflicts(statement);
          span.setAttribute('otto.admitted', r?.job?.job_status === 'running' ? 1 : 0);
          return r;
        },
      )
    : await retryConflicts(statement);
  if (created) {
    // a job the statement could not admit waits for admission as before (D97, D102)
    if (created.job?.job_status === 'pending') await admitNewJob(d, company.id, created.running);
    return {
      status: created.job ? 'queued' : 'stored_without_recording',
      call_id: created.call.id,
      job_id: created.job?.id ?? null,
      duplicate: false,
    };
  }
  return acceptRepeatedCall(d, company, incoming, audit);
}

/**
 * Admission after a trigger's new job (D97), unless the tenant's slots are all taken: a job that frees one
 * runs admission after it commits, and will find this one. The count the trigger's statement read may be
 * stale (its snapshot predates the commit); when it says full, the count is read again now, after the
 * commit: if a slot was freed before this read, admission runs here; if after it, the admission that
 * follows that freeing starts after this job committed and finds it. So no job waits for the safety net,
 * and a flooding tenant's triggers do not queue on its admission row (the fairness phase had them hold the
 * API's connections while they waited, delaying the other tenants' requests).
 */
async function admitNewJob(d: TriggerDeps, companyId: string, seenRunning: number | null): Promise<void> {
  const slots = d.config.jobs.tenantMaxConcurrent;
  if (seenRunning !== null && seenRunning >= slots && (await runningJobs(d.db, companyId)) >= slots) return;
  await admitTenant(d, companyId);
}

/**
 * A repeated delivery creates nothing new, except the job a first delivery without a recording could not
 * create (decision D32).
 */
async function acceptRepeatedCall(
  d: TriggerDeps,
  company: CompanyRow,
  incoming: IncomingCall,
  audit?: TriggerAudit,
): Promise<CallAccepted> {
  const r = await transaction(d.db, async (tx) => {
    const call = await lockCall(tx, company.id, incoming.callrailCallId);
    if (!call) throw new Error(`CallRail call ${incoming.callrailCallId} was neither inserted nor found`);
    let job = await findJobFor(tx, company.id, { callId: call.id });
    let created = false;
    if (!job && !call.recording_url && incoming.recordingUrl) {
      await attachRecording(tx, company.id, call.id, incoming.recordingUrl);
      job = await createCsrCallJob(
        tx,
        call,
        incoming.recordingUrl,
        d.config.jobs.maxAttempts,
        traceparentOf(d.trace),
      );
      if (audit) await recordAudit(tx, audit.actor, auditEntry(audit, job));
      created = true;
    }
    return { call, job, created };
  });
  if (r.created) await admitTenant(d, company.id);
  return {
    status: r.job ? 'queued' : 'stored_without_recording',
    call_id: r.call.id,
    job_id: r.job?.id ?? null,
    duplicate: true,
  };
}

export type UploadAccepted =
  | { kind: 'accepted'; session_id: string; job_id: string; status: JobStatus; duplicate: boolean }
  | { kind: 'not_found' }
  | { kind: 'conflict'; audio_url: string };

export async function acceptRecordingUpload(
  db: Db,
  companyId: string,
  sessionId: string,
  upload: Upload,
  deps: Omit<TriggerDeps, 'db'>,
  audit?: TriggerAudit,
): Promise<UploadAccepted> {
  const r = await transaction(db, async (tx): Promise<UploadAccepted> => {
    const u = await recordUpload(tx, companyId, sessionId, upload);
    if (u.kind === 'foreign') return { kind: 'not_found' };
    const existing = await findJobFor(tx, companyId, { sessionId });
    if (existing) {
      if (u.session.audio_url !== upload.audioUrl)
        return { kind: 'conflict', audio_url: u.session.audio_url ?? '' };
      return {
        kind: 'accepted',
        session_id: sessionId,
        job_id: existing.id,
        status: existing.job_status,
        duplicate: true,
      };
    }
    const job = await createSalesVisitJob(
      tx,
      u.session,
      deps.config.jobs.maxAttempts,
      traceparentOf(deps.trace),
    );
    if (audit) await recordAudit(tx, audit.actor, auditEntry(audit, job));
    return {
      kind: 'accepted',
      session_id: sessionId,
      job_id: job.id,
      status: job.job_status,
      duplicate: false,
    };
  });
  if (r.kind !== 'accepted' || r.duplicate) return r;
  const admitted = await admitTenant({ ...deps, db }, companyId);
  return admitted.includes(r.job_id) ? { ...r, status: 'running' } : r;
}
