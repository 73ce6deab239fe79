// completeStage (running → running, pending → pending; the last stage: running | pending → succeeded): a
// stage's result is applied (§3.1 step 3, §3.2 step 3; §4.6, §8, §10). One statement: the job moves to its
// next stage (or ends), guarded by the status and stage it was read with and by its operation being still
// live; only if it moved does everything else happen: the operation is settled and its fallback poll
// removed, the stage's domain rows and events are written (the parts the caller passes, guarded on
// `moved`), and either the next step is added or, for the last stage, the attempt is closed and the slot
// given back. Nothing of it happens twice: a second delivery finds the job moved on and writes nothing.
import type { Db, Tx } from '../../db/knex.ts';
import { compose, type Part, part, run } from '../../db/statement.ts';
import { constantEvent, type EventPart, eventsPart } from '../../domain/outbox.ts';
import { sha256Hex, stableStringify } from '../../util/hash.ts';
import { type JobRow, nextStage, type OperationRow } from '../model.ts';
import { storedOutput } from '../stored-output.ts';
import { addStep, closeAttempt, counts, freeSlot } from './fragments.ts';

export interface StageResult {
  job: JobRow;
  op: OperationRow;
  /** Shunya's id, when the webhook outran the answer to the submission (D36) */
  adoptShunyaJobId: string | null;
  /** the normalised result's hash (the operation's result_hash) */
  resultHash: string;
  /** what the stage adds to the job's output_payload */
  output: Record<string, unknown>;
  /** the stage's domain rows, guarded on the part named `moved` */
  domain: (Part | null)[];
  /** the stage's domain events, in order, before the job's own */
  events: EventPart[];
  now: Date;
}

export interface Applied {
  /** false: the job had moved on (or ended) since it was read; nothing was written */
  applied: boolean;
  /** the job ended (succeeded) */
  ended: boolean;
  /** the job left `running`: admission should run for its tenant */
  freedSlot: boolean;
}

export async function completeStage(db: Db | Tx, r: StageResult): Promise<Applied> {
  const { job, op } = r;
  const stage = nextStage(job.job_type, op.kind);
  const last = stage === 'done';
  const running = job.job_status === 'running';
  const output = { ...(job.output_payload ?? {}), ...r.output };
  const moved = part(
    'moved',
    `UPDATE shunya_jobs SET stage = ?, output_payload = ?::jsonb, processed_output_hash = ?, updated_at = now()
            ${last ? `, job_status = 'succeeded', next_attempt_at = NULL, completed_at = now()` : ''}
     WHERE id = ? AND job_status = ? AND job_status IN ('running', 'pending') AND stage = ?
       AND EXISTS (SELECT 1 FROM shunya_operations WHERE id = ? AND status IN ('submitting', 'submitted'))
     RETURNING id`,
    // the whole payload, as stored (D88): the guard says nothing else wrote it since it was read
    [
      stage,
      JSON.stringify(storedOutput(output, last)),
      sha256Hex(stableStringify(output)),
      job.id,
      job.job_status,
      op.kind,
      op.id,
    ],
  );
  const settled = part(
    'settled',
    `UPDATE shunya_operations SET status = 'completed', result_hash = ?, completed_at = ?,
            shunya_job_id = COALESCE(shunya_job_id, ?), submitted_at = COALESCE(submitted_at, ?), updated_at = now()
     WHERE id = ? AND EXISTS (SELECT 1 FROM moved) RETURNING id`,
    [r.resultHash, r.now, r.adoptShunyaJobId, r.adoptShunyaJobId ? r.now : null, op.id],
  );
  const unpolled = part('unpolled', `SELECT graphile_worker.remove_job('poll:' || id) FROM settled`);
  const succeeded = constantEvent(
    {
      type: 'shunya.job.succeeded',
      companyId: job.company_id,
      aggregateType: 'shunya_job',
      aggregateId: job.id,
      data: {
        job_id: job.id,
        job_type: job.job_type,
        call_id: job.call_id,
        recording_session_id: job.recording_session_id,
      },
    },
    'moved',
  );
  const effects = ['moved', 'unpolled'];
  const parts: (Part | null)[] = [moved, settled, unpolled, ...r.domain];
  if (last) parts.push(closeAttempt('attempt', 'moved', job.id, 'succeeded'));
  if (last && running) parts.push(freeSlot('slot', 'moved', job.company_id));
  if (!last && running) {
    parts.push(addStep('step', 'moved', job.id));
    effects.push('step');
  }
  parts.push(eventsPart('events', last ? [...r.events, succeeded] : r.events));
  const [row] = await run<Record<string, number>>(db, compose(parts, counts(effects)));
  const applied = (row?.moved ?? 0) > 0;
  return { applied, ended: applied && last, freedSlot: applied && last && running };
}
