// Creating jobs (inside the trigger's transaction, §3.1 step 2, §3.2 step 2) and retrying them (ops API).
import type { Tx } from '../db/knex.ts';
import type { CallRow } from '../domain/calls.ts';
import type { RecordingSessionRow } from '../domain/recording-sessions.ts';
import type { JobRow } from './model.ts';
import { wakeAdmission } from './queue.ts';
import { insertJob, lockJob, supersedeOperations, updateJob } from './store.ts';

export async function createCsrCallJob(
  tx: Tx,
  call: CallRow,
  audioUrl: string,
  maxAttempts: number,
): Promise<JobRow> {
  const job = await insertJob(tx, {
    companyId: call.company_id,
    type: 'csr_call',
    callId: call.id,
    input: {
      call_id: call.id,
      shunya_call_id: call.shunya_call_id,
      audio_url: audioUrl,
      call_type: 'csr_call',
    },
    maxAttempts,
  });
  await wakeAdmission(tx, call.company_id);
  return job;
}

export async function createSalesVisitJob(
  tx: Tx,
  session: RecordingSessionRow,
  maxAttempts: number,
): Promise<JobRow> {
  const job = await insertJob(tx, {
    companyId: session.company_id,
    type: 'sales_visit',
    sessionId: session.id,
    input: {
      recording_session_id: session.id,
      shunya_call_id: session.shunya_call_id,
      audio_url: session.audio_url ?? '',
      appointment_id: session.appointment_id,
      ghost_mode: session.ghost_mode,
      call_type: 'sales_call',
    },
    maxAttempts,
  });
  await wakeAdmission(tx, session.company_id);
  return job;
}

export type RetryResult =
  | { kind: 'ok'; job: JobRow }
  | { kind: 'not_found' }
  | { kind: 'not_retryable'; status: string };

/** Puts a failed or timed-out job back in line, from the stage where it stopped, with fresh attempts. */
export async function retryJob(tx: Tx, jobId: string): Promise<RetryResult> {
  const job = await lockJob(tx, jobId);
  if (!job) return { kind: 'not_found' };
  if (job.job_status !== 'failed' && job.job_status !== 'timeout')
    return { kind: 'not_retryable', status: job.job_status };
  // whatever the stopped stage had at Shunya is abandoned: a late webhook for it is ignored
  if (job.stage !== 'done') await supersedeOperations(tx, job.id, job.stage);
  const updated = await updateJob(tx, job.id, {
    job_status: 'pending',
    attempts: 0,
    next_attempt_at: null,
    completed_at: null,
  });
  await wakeAdmission(tx, job.company_id);
  return { kind: 'ok', job: updated };
}
