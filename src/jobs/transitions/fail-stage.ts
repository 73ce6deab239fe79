// failStage: running → pending (attempts left) or running → failed: a stage failed (§9.1, §9.2, §9.3; D35).
// With attempts left and a retryable error the job waits, `pending`, until `retryAt` (the job-level
// backoff), and admission is woken then; otherwise it fails, and a CSR call whose transcription failed keeps
// an empty "not available" transcript (§9.3; the caller passes those parts). One statement, guarded by the
// job still running the stage it was read at (and, with an operation, by the operation being still live):
// the attempt is closed, the slot given back, the operation (if any) settled as failed, the events written.
import type { JobError } from '../../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../../db/knex.ts';
import { compose, type Part, part, run } from '../../db/statement.ts';
import { constantEvent, type EventPart, eventsPart, jobStateEvent } from '../../domain/outbox.ts';
import type { JobRow, OperationRow } from '../model.ts';
import { closeAttempt, counts, freeSlot, noteOperationError, wakeAdmissionAt } from './fragments.ts';

export interface StageFailure {
  job: JobRow;
  /** the operation that failed, settled as failed with its error; null: a submission that never got an answer */
  op: { row: OperationRow; error: JobError; adoptShunyaJobId: string | null } | null;
  /** an operation that goes on (a submission to replay): the error is recorded on it too (D80) */
  noted?: { operationId: string; error: JobError };
  error: JobError;
  /** when the job is due again; null: the job fails */
  retryAt: Date | null;
  /** for a failed job: the §9.3 rows and their events (guarded on `moved`) */
  domain: (Part | null)[];
  events: EventPart[];
  now: Date;
}

export interface Failed {
  applied: boolean;
  failed: boolean;
  freedSlot: boolean;
}

export async function failStage(db: Db | Tx, f: StageFailure): Promise<Failed> {
  const { job } = f;
  const retry = f.retryAt !== null;
  const moved = part(
    'moved',
    `UPDATE shunya_jobs SET job_status = ?, next_attempt_at = ?::timestamptz, last_error = ?::jsonb, updated_at = now()
            ${retry ? '' : ', completed_at = now()'}
     WHERE id = ? AND job_status = 'running' AND stage = ?
       ${f.op ? `AND EXISTS (SELECT 1 FROM shunya_operations WHERE id = ? AND status IN ('submitting', 'submitted'))` : ''}
     RETURNING id`,
    [
      retry ? 'pending' : 'failed',
      f.retryAt?.toISOString() ?? null,
      JSON.stringify(f.error),
      job.id,
      job.stage,
      ...(f.op ? [f.op.row.id] : []),
    ],
  );
  const parts: (Part | null)[] = [moved];
  const effects = ['moved'];
  if (f.op) {
    const { row, error, adoptShunyaJobId } = f.op;
    parts.push(
      part(
        'settled',
        `UPDATE shunya_operations SET status = 'failed', error = ?::jsonb, completed_at = ?,
                shunya_job_id = COALESCE(shunya_job_id, ?), submitted_at = COALESCE(submitted_at, ?), updated_at = now()
         WHERE id = ? AND EXISTS (SELECT 1 FROM moved) RETURNING id`,
        [JSON.stringify(error), f.now, adoptShunyaJobId, adoptShunyaJobId ? f.now : null, row.id],
      ),
      part('unpolled', `SELECT graphile_worker.remove_job('poll:' || id) FROM settled`),
    );
    effects.push('unpolled');
  }
  if (f.noted) parts.push(noteOperationError('noted', 'moved', f.noted.operationId, f.noted.error));
  parts.push(
    closeAttempt('attempt', 'moved', job.id, retry ? 'retry_scheduled' : 'failed', f.error),
    freeSlot('slot', 'moved', job.company_id),
  );
  if (f.retryAt) {
    parts.push(wakeAdmissionAt('wake', 'moved', job.company_id, f.retryAt));
    // D381: the operator stream hears of the wait
    parts.push(eventsPart('events', [jobStateEvent(job, 'pending', 'retry_scheduled', f.retryAt, 'moved')]));
    effects.push('wake');
  } else {
    const failed = constantEvent(
      {
        type: 'shunya.job.failed',
        companyId: job.company_id,
        aggregateType: 'shunya_job',
        aggregateId: job.id,
        data: { job_id: job.id, job_type: job.job_type, attempts: job.attempts, error: f.error },
      },
      'moved',
    );
    parts.push(...f.domain, eventsPart('events', [...f.events, failed]));
  }
  const [row] = await run<Record<string, number>>(db, compose(parts, counts(effects)));
  const applied = (row?.moved ?? 0) > 0;
  return { applied, failed: applied && !retry, freedSlot: applied };
}
