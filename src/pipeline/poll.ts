// Task otto_poll: the fallback when no webhook arrives (§2.1 "Polling (Fallback)", §9.3). It asks the
// status endpoint; when Shunya is done it fetches the result and hands it to the one completion path.
// Still running → poll again after 5, 10, 30, 60, 300 s, then every 300 s, until the job times out (24 h).
import type { JobError } from '../../generated/otto/types.gen.ts';
import type { Logger } from '../logger.ts';
import type { JobStatus } from '../shunya/types.ts';
import { completeOperation } from './complete.ts';
import type { ClassifiedError, PipelineDeps } from './deps.ts';
import { isTerminal, type OperationRow } from './model.ts';
import { enqueue, TASK } from './queue.ts';
import { findJob, findOperation, jobError, lockOperation, updateJob, updateOperation } from './store.ts';

async function status(deps: PipelineDeps, op: OperationRow, callId: number): Promise<JobStatus> {
  const opts = { requestId: op.request_id };
  if (op.kind === 'transcription') return deps.client.getTranscriptionStatus(op.company_id, callId, opts);
  if (op.kind === 'analysis') return deps.client.getAnalysisStatus(op.company_id, callId, opts);
  return deps.client.getSegmentationStatus(op.company_id, callId, opts);
}

async function result(deps: PipelineDeps, op: OperationRow, callId: number): Promise<unknown> {
  const opts = { requestId: op.request_id };
  if (op.kind === 'transcription') return deps.client.getTranscript(op.company_id, callId, opts);
  if (op.kind === 'analysis') return deps.client.getCompleteAnalysis(op.company_id, callId, opts);
  return deps.client.getSegmentationAnalysis(op.company_id, callId, opts);
}

export async function poll(deps: PipelineDeps, operationId: string): Promise<void> {
  const op = await findOperation(deps.db, operationId);
  if (op?.status !== 'submitted') return; // the webhook won, or the operation was superseded
  const job = await findJob(deps.db, op.job_id);
  if (!job || isTerminal(job.job_status)) return;
  const callId = (job.input_payload as { shunya_call_id: number }).shunya_call_id;
  const log = deps.logger.child({
    operation_id: op.id,
    job_id: job.id,
    request_id: op.request_id,
    kind: op.kind,
  });

  try {
    const s = await status(deps, op, callId);
    if (s.state === 'completed') {
      const raw = await result(deps, op, callId);
      const r = await completeOperation(deps, op.id, { status: 'completed', result: raw }, 'poll');
      log.info({ verdict: r.verdict }, 'poll found the result');
      return;
    }
    if (s.state === 'failed') {
      const error = s.error ?? deps.normalize.error({}, 500);
      await completeOperation(deps, op.id, { status: 'failed', error }, 'poll');
      return;
    }
  } catch (e) {
    const c = deps.classifyError(e);
    if (!c) throw e;
    if (c.disposition === 'permanent' && c.httpStatus === 404) {
      // Shunya no longer knows the job: the operation failed (retryable: it is resubmitted)
      await completeOperation(
        deps,
        op.id,
        { status: 'failed', error: { ...c.info, retryable: true }, httpStatus: 404 },
        'poll',
      );
      return;
    }
    await pollFailed(deps, op, c, log);
    return;
  }
  await scheduleNextPoll(deps, op.id);
}

/**
 * A poll that got no usable answer (D80): the error is recorded on the operation and the job (the ops API
 * shows it); an unreadable answer is counted, and POLL_UNREADABLE_LIMIT of them in a row end the attempt
 * (the operation fails, retryable, and the job-level retry resubmits) instead of polling on for 24 h.
 */
async function pollFailed(deps: PipelineDeps, op: OperationRow, c: ClassifiedError, log: Logger) {
  const err = jobError(c.info, c.httpStatus, deps.clock.now());
  if (c.unreadable) deps.metrics?.unreadableAnswer(op.kind, 'poll');
  const unreadable = await scheduleNextPoll(deps, op.id, { error: err, unreadable: !!c.unreadable });
  log.warn({ error_code: err.error_code, unreadable_answers: unreadable }, 'poll failed');
  if (unreadable === null || unreadable < deps.config.jobs.pollUnreadableLimit) return;
  log.warn({ unreadable_answers: unreadable }, 'unreadable answers in a row: this attempt ends');
  const message = `${unreadable} unreadable answers in a row from Shunya; the last: ${err.message}`;
  await completeOperation(
    deps,
    op.id,
    { status: 'failed', error: { ...c.info, message, retryable: true }, httpStatus: c.httpStatus },
    'poll',
  );
}

/**
 * Schedules the next poll (§9.3 backoff) of a still-submitted operation, after a readable answer (the count
 * of unreadable answers starts again) or a `failed` poll (its error recorded on the operation and the job,
 * D80). Returns the count of unreadable answers in a row (at POLL_UNREADABLE_LIMIT the caller ends the
 * attempt), or null when the operation is no longer submitted.
 */
export async function scheduleNextPoll(
  deps: PipelineDeps,
  operationId: string,
  failed?: { error: JobError; unreadable: boolean },
): Promise<number | null> {
  return deps.db.transaction(async (tx) => {
    const op = await lockOperation(tx, operationId);
    if (op?.status !== 'submitted') return null;
    const unreadable = !failed ? 0 : failed.unreadable ? op.unreadable_answers + 1 : op.unreadable_answers;
    const patch: Record<string, unknown> = { unreadable_answers: unreadable };
    if (failed) {
      patch.error = JSON.stringify(failed.error);
      await updateJob(tx, op.job_id, { last_error: JSON.stringify(failed.error) });
    }
    // scheduled even when the limit is reached: the poll is removed when the attempt ends, and stands in
    // for that ending if this process dies first
    const delays = deps.config.jobs.pollDelaysS;
    const delayS = delays[Math.min(op.poll_count + 1, delays.length - 1)] ?? 300;
    const runAt = new Date(deps.clock.now().getTime() + delayS * 1000);
    await updateOperation(tx, op.id, { ...patch, poll_count: op.poll_count + 1, next_poll_at: runAt });
    await enqueue(tx, TASK.poll, { operation_id: op.id }, { jobKey: `poll:${op.id}`, runAt });
    return unreadable;
  });
}
