// Task otto_advance: does the next step of a running job and returns; it never waits for Shunya (§2.1).
// The step is to submit the current stage's operation; waiting is the operation's `submitted` state plus a
// scheduled poll (the fallback), while the webhook is the fast path.
import type { Submitted } from '../shunya/types.ts';
import { type CompletionResult, completeOperation } from './complete.ts';
import type { PipelineDeps } from './deps.ts';
import { failJob, retryOrFail } from './failure.ts';
import type { CsrInput, JobRow, OperationRow, VisitInput } from './model.ts';
import { enqueue, TASK } from './queue.ts';
import { shunyaFailure } from './shunya-failure.ts';
import {
  ensureOperation,
  jobError,
  lockJob,
  runningJobAndOperation,
  supersedeOperations,
  updateJob,
  updateOperation,
} from './store.ts';

type Submission = { mode: 'async'; submitted: Submitted } | { mode: 'sync'; result: unknown };

async function submit(deps: PipelineDeps, job: JobRow, op: OperationRow): Promise<Submission> {
  const input = job.input_payload as CsrInput | VisitInput;
  const opts = { requestId: op.request_id, idempotencyKey: op.idempotency_key };
  switch (op.kind) {
    case 'transcription':
      return {
        mode: 'async',
        submitted: await deps.client.transcribe(
          job.company_id,
          {
            call_id: input.shunya_call_id,
            audio_url: input.audio_url,
            call_type: input.call_type,
            language: 'en-US',
          },
          opts,
        ),
      };
    case 'analysis':
      return {
        mode: 'async',
        submitted: await deps.client.startAnalysis(job.company_id, input.shunya_call_id, opts),
      };
    case 'segmentation':
      return deps.client.analyzeSegmentation(
        job.company_id,
        { call_id: input.shunya_call_id, analysis_type: 'full' },
        opts,
      );
  }
}

export async function advance(deps: PipelineDeps, jobId: string): Promise<void> {
  const found = await runningJobAndOperation(deps.db, jobId);
  if (!found) return;
  const { job } = found;
  let { op } = found;
  const log = deps.logger.child({ job_id: job.id, company_id: job.company_id, stage: job.stage });
  if (op.status === 'failed') {
    // a retry of a stage whose last operation failed: a new operation, with a new Idempotency-Key
    await deps.db.transaction((tx) => supersedeOperations(tx, job.id, job.stage as OperationRow['kind']));
    op = await ensureOperation(deps.db, job, job.stage as OperationRow['kind']);
  }
  // `submitted`: waiting for the webhook or the poll; `completed`: the completion path moved the job on.
  if (op.status !== 'submitting') return;

  let submission: Submission;
  try {
    // A replay of a submission that may have reached Shunya reuses the operation's Idempotency-Key (§4.6).
    submission = await submit(deps, job, op);
  } catch (e) {
    const c = shunyaFailure(e);
    if (!c) throw e;
    const now = deps.clock.now();
    const err = jobError(c.info, c.httpStatus, now);
    log.warn(
      { request_id: op.request_id, error_code: err.error_code, disposition: c.disposition },
      'submission failed',
    );
    await deps.db.transaction(async (tx) => {
      const locked = await lockJob(tx, job.id);
      if (locked?.job_status !== 'running') return;
      if (c.disposition === 'later') {
        // an open breaker or a rate limit is flow control, not a failed attempt (§9.1)
        const runAt = new Date(now.getTime() + (c.retryAfterMs ?? 30_000));
        await updateJob(tx, job.id, { last_error: JSON.stringify(err) });
        await enqueue(tx, TASK.advance, { job_id: job.id }, { jobKey: `advance:${job.id}`, runAt });
      } else if (c.disposition === 'transient') {
        await retryOrFail(tx, deps, locked, err);
      } else {
        await updateOperation(tx, op.id, { status: 'failed', error: JSON.stringify(err), completed_at: now });
        await failJob(tx, deps, locked, { ...err, retryable: false });
      }
    });
    return;
  }

  if (submission.mode === 'sync') {
    await completeSynchronously(deps, op.id, submission.result);
    return;
  }
  const { shunya_job_id, transcript_id } = submission.submitted;
  const firstPoll = new Date(deps.clock.now().getTime() + (deps.config.jobs.pollDelaysS[0] ?? 5) * 1000);
  // one statement: the operation is submitted and its fallback poll scheduled, unless a racing webhook
  // already completed (adopted) it
  await deps.db.raw(
    `WITH submitted AS (
       UPDATE shunya_operations SET status = 'submitted', shunya_job_id = ?, transcript_id = ?, submitted_at = ?,
              next_poll_at = ?, updated_at = now()
       WHERE id = ? AND status = 'submitting' RETURNING id)
     , attempt AS (
       UPDATE shunya_job_attempts SET outcome = 'submitted'
       WHERE id = (SELECT max(id) FROM shunya_job_attempts WHERE job_id = ?) AND EXISTS (SELECT 1 FROM submitted))
     SELECT graphile_worker.add_job(identifier => ?, payload => json_build_object('operation_id', id),
                                    run_at => ?::timestamptz, job_key => 'poll:' || id)
     FROM submitted`,
    [
      shunya_job_id,
      transcript_id,
      deps.clock.now(),
      firstPoll,
      op.id,
      job.id,
      TASK.poll,
      firstPoll.toISOString(),
    ],
  );
  log.info({ request_id: op.request_id, shunya_job_id }, 'submitted to Shunya');
}

/**
 * Shunya answered synchronously (segmentation, decision D3): complete the operation at once, unless its
 * webhook (which Shunya sends anyway, D25) already did, through adoption, while this answer travelled.
 */
export async function completeSynchronously(
  deps: PipelineDeps,
  operationId: string,
  result: unknown,
): Promise<CompletionResult | null> {
  const moved = await deps
    .db('shunya_operations')
    .where({ id: operationId, status: 'submitting' })
    .update({ status: 'submitted', submitted_at: deps.clock.now(), updated_at: deps.db.fn.now() });
  if (moved === 0) return null;
  return completeOperation(deps, operationId, { status: 'completed', result }, 'sync');
}
