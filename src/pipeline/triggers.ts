// The triggers' transactions (§3.1 steps 1-2, §3.2 steps 1-2): the business rows, the ShunyaJob and its
// graphile-worker wake-up are written together or not at all.
import type { Db } from '../db/knex.ts';
import { transaction } from '../db/tx.ts';
import { attachRecording, type IncomingCall, insertCallOnce, setCallLead } from '../domain/calls.ts';
import type { CompanyRow } from '../domain/companies.ts';
import { findOrCreateLead } from '../domain/leads.ts';
import { recordUpload, type Upload } from '../domain/recording-sessions.ts';
import { createCsrCallJob, createSalesVisitJob, type JobDeps } from './jobs.ts';
import type { JobStatus } from './model.ts';
import { findJobFor } from './store.ts';

export interface CallAccepted {
  status: 'queued' | 'stored_without_recording';
  call_id: string;
  job_id: string | null;
  duplicate: boolean;
}

export async function acceptCallRailCall(
  db: Db,
  company: CompanyRow,
  incoming: IncomingCall,
  deps: JobDeps,
): Promise<CallAccepted> {
  return transaction(db, async (tx) => {
    const { call, created } = await insertCallOnce(tx, company.id, incoming);
    if (created) {
      const lead = await findOrCreateLead(tx, company.id, incoming.customerPhone, incoming.customerName);
      await setCallLead(tx, company.id, call.id, lead.id);
      const job = incoming.recordingUrl
        ? await createCsrCallJob(tx, call, incoming.recordingUrl, deps)
        : null;
      return {
        status: job ? 'queued' : 'stored_without_recording',
        call_id: call.id,
        job_id: job?.id ?? null,
        duplicate: false,
      };
    }
    // A repeated delivery creates nothing new, except the job a first delivery without a recording could
    // not create (decision D32).
    let job = await findJobFor(tx, company.id, { callId: call.id });
    if (!job && !call.recording_url && incoming.recordingUrl) {
      await attachRecording(tx, company.id, call.id, incoming.recordingUrl);
      job = await createCsrCallJob(tx, call, incoming.recordingUrl, deps);
    }
    return {
      status: job ? 'queued' : 'stored_without_recording',
      call_id: call.id,
      job_id: job?.id ?? null,
      duplicate: true,
    };
  });
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
  deps: JobDeps,
): Promise<UploadAccepted> {
  return transaction(db, async (tx) => {
    const r = await recordUpload(tx, companyId, sessionId, upload);
    if (r.kind === 'foreign') return { kind: 'not_found' };
    const existing = await findJobFor(tx, companyId, { sessionId });
    if (existing) {
      if (r.session.audio_url !== upload.audioUrl)
        return { kind: 'conflict', audio_url: r.session.audio_url ?? '' };
      return {
        kind: 'accepted',
        session_id: sessionId,
        job_id: existing.id,
        status: existing.job_status,
        duplicate: true,
      };
    }
    const job = await createSalesVisitJob(tx, r.session, deps);
    return {
      kind: 'accepted',
      session_id: sessionId,
      job_id: job.id,
      status: job.job_status,
      duplicate: false,
    };
  });
}
