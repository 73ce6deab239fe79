// failStage: running → pending (attempts left) or running → failed: a stage failed (§9.1, §9.2, §9.3; D35).
// With attempts left and a retryable error the job waits, `pending`, until :retryAt (the job-level backoff),
// and admission is woken then (D39); otherwise (:retryAt null) it fails, and a job that failed at
// transcription keeps an empty "not available" transcript (§9.3), a call's with its call.transcribed event,
// before shunya.job.failed. One statement, guarded by the job still running the stage it was read at (and,
// with an operation, by the operation being still live): the operation (if any) is settled as failed and
// its fallback poll removed, an operation that goes on notes the error (D80), the attempt is closed, the
// slot given back. Admission for the tenant follows in a statement of its own (the caller's).
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../../db/knex.ts';
import { prepared } from '../../db/statement.ts';
import type { JobRow, OperationRow } from '../model.ts';
import { TASK } from '../queue.ts';

const FAIL_STAGE = `WITH moved AS (
       UPDATE shunya_jobs SET job_status = CASE WHEN :retryAt::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
              next_attempt_at = :retryAt::timestamptz, last_error = :error::jsonb, updated_at = now(),
              completed_at = CASE WHEN :retryAt::timestamptz IS NULL THEN now() ELSE completed_at END
       WHERE id = :job AND company_id = :company AND job_status = 'running' AND stage = :stage
         AND (:operation::uuid IS NULL OR EXISTS (SELECT 1 FROM shunya_operations
                                                  WHERE id = :operation AND status IN ('submitting', 'submitted')))
       RETURNING id, job_status)
     , settled AS (
       UPDATE shunya_operations SET status = 'failed', error = :operationError::jsonb, completed_at = :now,
              shunya_job_id = COALESCE(shunya_job_id, :adopt), submitted_at = COALESCE(submitted_at, :adoptedAt),
              updated_at = now()
       WHERE id = :operation AND EXISTS (SELECT 1 FROM moved) RETURNING id)
     , unpolled AS (SELECT graphile_worker.remove_job('poll:' || id) FROM settled)
     , noted AS (
       UPDATE shunya_operations SET error = :notedError::jsonb, updated_at = now()
       WHERE id = :notedOperation AND EXISTS (SELECT 1 FROM moved))
     , attempt AS (
       UPDATE shunya_job_attempts SET error = :error::jsonb, finished_at = now(),
              outcome = CASE WHEN :retryAt::timestamptz IS NULL THEN 'failed' ELSE 'retry_scheduled' END
       WHERE id = (SELECT max(id) FROM shunya_job_attempts WHERE job_id = :job) AND EXISTS (SELECT 1 FROM moved))
     , slot AS (
       UPDATE tenant_admission SET running = greatest(running - 1, 0)
       WHERE company_id = :company AND EXISTS (SELECT 1 FROM moved))
     , wake AS (
       SELECT graphile_worker.add_job(identifier => :admitTask, payload => json_build_object('company_id', :company::uuid),
                                      run_at => :retryAt::timestamptz)
       FROM moved WHERE :retryAt::timestamptz IS NOT NULL)
     , call_transcript AS (
       INSERT INTO call_transcripts (id, company_id, call_id, transcript_text, speaker_labels, language, word_count,
                                     available)
       SELECT :placeholder::uuid, :company::uuid, :owner::uuid, '', '[]', 'en-US', 0, false
       FROM moved WHERE job_status = 'failed' AND :placeholder::uuid IS NOT NULL AND :jobType::text = 'csr_call'
       ON CONFLICT (company_id, call_id) DO NOTHING
       RETURNING id)
     , visit_transcript AS (
       INSERT INTO recording_transcripts (id, company_id, recording_session_id, transcript_text, speaker_labels,
                                          language, word_count, available)
       SELECT :placeholder::uuid, :company::uuid, :owner::uuid, '', '[]', 'en-US', 0, false
       FROM moved WHERE job_status = 'failed' AND :placeholder::uuid IS NOT NULL AND :jobType::text = 'sales_visit'
       ON CONFLICT (company_id, recording_session_id) DO NOTHING)
     , events AS (
       INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
       SELECT :company::uuid, event_type, aggregate_type, aggregate_id, payload FROM (
         SELECT 1 AS ord, 'call.transcribed'::text AS event_type, 'call'::text AS aggregate_type,
                :owner::uuid AS aggregate_id,
                jsonb_build_object('call_id', :owner::uuid, 'transcript_id', id, 'confidence_score', null,
                                   'available', false) AS payload
         FROM call_transcript
         UNION ALL
         SELECT 2, 'shunya.job.failed', 'shunya_job', id, :failed::jsonb FROM moved WHERE job_status = 'failed'
         UNION ALL
         -- D381: the operator stream hears of the wait
         SELECT 3, 'shunya.job.state_changed', 'shunya_job', id,
                jsonb_build_object('job_id', id, 'job_status', 'pending', 'stage', :stage::text,
                                   'reason', 'retry_scheduled', 'next_attempt_at', :retryAt::text)
         FROM moved WHERE job_status = 'pending') e
       ORDER BY ord)
     SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM unpolled)::int AS unpolled,
            (SELECT count(*) FROM wake)::int AS wake`;

export interface StageFailure {
  job: JobRow;
  /** the operation that failed, settled as failed with its error; null: a submission that never got an answer */
  op: { row: OperationRow; error: JobError; adoptShunyaJobId: string | null } | null;
  /** an operation that goes on (a submission to replay): the error is recorded on it too (D80) */
  noted?: { operationId: string; error: JobError };
  error: JobError;
  /** when the job is due again; null: the job fails */
  retryAt: Date | null;
  /**
   * For a job that fails at transcription: the id of its "not available" transcript (§9.3; the caller
   * decides, D30: none in ghost mode); absent or null: none.
   */
  placeholderTranscriptId?: string | null;
  now: Date;
}

export interface Failed {
  applied: boolean;
  failed: boolean;
  freedSlot: boolean;
}

export async function failStage(db: Db | Tx, f: StageFailure): Promise<Failed> {
  const { job, op } = f;
  const adopt = op?.adoptShunyaJobId ?? null;
  const res = await prepared(
    db.raw(FAIL_STAGE, {
      job: job.id,
      stage: job.stage,
      company: job.company_id,
      jobType: job.job_type,
      owner: job.call_id ?? job.recording_session_id,
      retryAt: f.retryAt?.toISOString() ?? null,
      error: JSON.stringify(f.error),
      operation: op?.row.id ?? null,
      operationError: op ? JSON.stringify(op.error) : null,
      adopt,
      adoptedAt: adopt ? f.now : null,
      now: f.now,
      notedOperation: f.noted?.operationId ?? null,
      notedError: f.noted ? JSON.stringify(f.noted.error) : null,
      admitTask: TASK.admit,
      placeholder: f.retryAt ? null : (f.placeholderTranscriptId ?? null),
      failed: JSON.stringify({
        job_id: job.id,
        job_type: job.job_type,
        attempts: job.attempts,
        error: f.error,
      }),
    }),
    FAIL_STAGE,
  );
  const applied = ((res.rows[0] as { moved: number } | undefined)?.moved ?? 0) > 0;
  return { applied, failed: applied && f.retryAt === null, freedSlot: applied };
}
