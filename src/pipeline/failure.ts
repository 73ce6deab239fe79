// What happens when a stage fails (§9.1, §9.2, §9.3): a retry with backoff while attempts remain, else a
// failed job; a CSR call whose transcription fails for good keeps an empty "not available" transcript.
import type { JobError } from '../../generated/otto/types.gen.ts';
import type { Tx } from '../db/knex.ts';
import { insertEvents, type NewEvent } from '../domain/outbox.ts';
import { CALL, SESSION, saveTranscript } from '../domain/transcripts.ts';
import { admitNext } from './admission.ts';
import type { PipelineDeps } from './deps.ts';
import type { CsrInput, JobRow, VisitInput } from './model.ts';
import { wakeAdmission } from './queue.ts';
import { finishAttempt, updateJob } from './store.ts';

export async function retryOrFail(tx: Tx, deps: PipelineDeps, job: JobRow, error: JobError): Promise<JobRow> {
  if (!error.retryable || job.attempts >= job.max_attempts) return failJob(tx, deps, job, error);
  const delays = deps.config.jobs.retryDelaysS;
  const delayS = delays[Math.min(job.attempts - 1, delays.length - 1)] ?? 300;
  const next = new Date(deps.clock.now().getTime() + delayS * 1000);
  const updated = await updateJob(tx, job.id, {
    job_status: 'pending',
    next_attempt_at: next,
    last_error: JSON.stringify(error),
  });
  await finishAttempt(tx, job.id, 'retry_scheduled', error);
  // the slot is free now (for another due job), and this job is due again at `next`
  await admitNext(tx, deps, job.company_id);
  await wakeAdmission(tx, job.company_id, next);
  deps.logger.warn(
    { job_id: job.id, attempts: job.attempts, retry_at: next.toISOString(), error_code: error.error_code },
    'job retry scheduled',
  );
  return updated;
}

export async function failJob(tx: Tx, deps: PipelineDeps, job: JobRow, error: JobError): Promise<JobRow> {
  const events: NewEvent[] = [];
  // §9.3: if transcription fails, the call is kept with an empty transcript and analysis is skipped.
  if (job.stage === 'transcription') {
    if (job.job_type === 'csr_call') {
      const input = job.input_payload as CsrInput;
      const t = await saveTranscript(tx, CALL, job.company_id, input.call_id, null, null);
      if (t.written)
        events.push({
          type: 'call.transcribed',
          companyId: job.company_id,
          aggregateType: 'call',
          aggregateId: input.call_id,
          data: { call_id: input.call_id, transcript_id: t.id, confidence_score: null, available: false },
        });
    } else if (!(job.input_payload as VisitInput).ghost_mode) {
      await saveTranscript(
        tx,
        SESSION,
        job.company_id,
        (job.input_payload as VisitInput).recording_session_id,
        null,
        null,
      );
    }
  }
  const updated = await updateJob(tx, job.id, {
    job_status: 'failed',
    next_attempt_at: null,
    last_error: JSON.stringify(error),
    completed_at: tx.fn.now(),
  });
  await finishAttempt(tx, job.id, 'failed', error);
  events.push({
    type: 'shunya.job.failed',
    companyId: job.company_id,
    aggregateType: 'shunya_job',
    aggregateId: job.id,
    data: { job_id: job.id, job_type: job.job_type, attempts: job.attempts, error },
  });
  await insertEvents(tx, events);
  if (job.job_status === 'running') await admitNext(tx, deps, job.company_id);
  deps.logger.error({ job_id: job.id, attempts: job.attempts, error_code: error.error_code }, 'job failed');
  return updated;
}
