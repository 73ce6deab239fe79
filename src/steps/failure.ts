// What happens when a stage fails (§9.1, §9.2, §9.3; D35): a retry with backoff while attempts remain and
// the error is retryable, else a failed job; a CSR call whose transcription fails for good keeps an empty
// "not available" transcript (a visit too, unless in ghost mode). The decision is made here; the transition
// (transitions/fail-stage.ts) writes it, and admission follows when a slot was freed.
import { randomUUID } from 'node:crypto';
import type { JobError } from '../../generated/otto/types.gen.ts';
import { admitTenant } from '../jobs/admission.ts';
import type { PipelineDeps } from '../jobs/deps.ts';
import type { JobRow, OperationRow } from '../jobs/model.ts';
import { failStage } from '../jobs/transitions/index.ts';

/** When the job is due again, or null when it fails now. */
export function retryTime(
  deps: Pick<PipelineDeps, 'config' | 'clock'>,
  job: JobRow,
  error: JobError,
): Date | null {
  if (!error.retryable || job.attempts >= job.max_attempts) return null;
  const delays = deps.config.jobs.retryDelaysS;
  const delayS = delays[Math.min(job.attempts - 1, delays.length - 1)] ?? 300;
  return new Date(deps.clock.now().getTime() + delayS * 1000);
}

/** §9.3: the id of the "not available" transcript a job failing at transcription keeps (none in ghost mode, D30). */
function notAvailable(job: JobRow): string | null {
  if (job.stage !== 'transcription') return null;
  if (job.job_type === 'sales_visit' && job.input_payload.ghost_mode) return null;
  return randomUUID();
}

/**
 * A failed attempt of a running job: retried later, or the job fails. `op`: the operation that failed (and
 * the error it keeps), when there was one. Returns false when the job was no longer running that stage.
 */
export async function attemptFailed(
  deps: PipelineDeps,
  job: JobRow,
  error: JobError,
  op: { row: OperationRow; error: JobError; adoptShunyaJobId: string | null } | null = null,
  noted?: { operationId: string; error: JobError },
): Promise<boolean> {
  const retryAt = retryTime(deps, job, error);
  const r = await failStage(deps.db, {
    job,
    op,
    noted,
    error,
    retryAt,
    placeholderTranscriptId: retryAt ? null : notAvailable(job),
    now: deps.clock.now(),
  });
  if (!r.applied) return false;
  if (r.failed)
    deps.logger.error({ job_id: job.id, attempts: job.attempts, error_code: error.error_code }, 'job failed');
  else
    deps.logger.warn(
      {
        job_id: job.id,
        attempts: job.attempts,
        retry_at: retryAt?.toISOString(),
        error_code: error.error_code,
      },
      'job retry scheduled',
    );
  if (r.freedSlot) await admitTenant(deps, job.company_id);
  return true;
}
