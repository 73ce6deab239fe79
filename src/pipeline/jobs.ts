// Creating jobs (inside the trigger's transaction, §3.1 step 2, §3.2 step 2) and retrying them (ops API).
import type { Tx } from '../db/knex.ts';
import type { CallRow } from '../domain/calls.ts';
import type { RecordingSessionRow } from '../domain/recording-sessions.ts';
import { admitNext } from './admission.ts';
import type { PipelineDeps } from './deps.ts';
import type { JobRow } from './model.ts';
import { wakeAdmission } from './queue.ts';
import { insertJob, lockJob, supersedeOperations, updateJob } from './store.ts';

/** What creating or retrying a job needs: max attempts, the tenant's limit and the clock. */
export type JobDeps = Pick<PipelineDeps, 'config' | 'clock'>;

/** Admits the tenant's due jobs (this one, if a slot is free) and returns the job as it now stands. */
async function admitted(tx: Tx, deps: JobDeps, job: JobRow): Promise<JobRow> {
  const ids = await admitNext(tx, deps, job.company_id);
  return ids.includes(job.id) ? { ...job, job_status: 'running', attempts: job.attempts + 1 } : job;
}

export async function createCsrCallJob(
  tx: Tx,
  call: CallRow,
  audioUrl: string,
  deps: JobDeps,
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
    maxAttempts: deps.config.jobs.maxAttempts,
  });
  return admitted(tx, deps, job);
}

export async function createSalesVisitJob(
  tx: Tx,
  session: RecordingSessionRow,
  deps: JobDeps,
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
    maxAttempts: deps.config.jobs.maxAttempts,
  });
  return admitted(tx, deps, job);
}

export type RetryResult =
  | { kind: 'ok'; job: JobRow }
  | { kind: 'not_found' }
  | { kind: 'not_retryable'; status: string };

/**
 * Puts a failed or timed-out job back in line, from the stage where it stopped, with fresh attempts: it is
 * `pending` with 0 attempts when this transaction commits, as the contract says (D81), and the tenant's
 * admission, woken here, makes it `running` as soon as the tenant has a free slot (D34).
 */
export async function retryJob(tx: Tx, _deps: JobDeps, jobId: string): Promise<RetryResult> {
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
  await wakeAdmission(tx, updated.company_id);
  return { kind: 'ok', job: updated };
}
