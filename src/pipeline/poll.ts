// Task otto_poll: the fallback when no webhook arrives (§2.1 "Polling (Fallback)", §9.3). It asks the
// status endpoint; when Shunya is done it fetches the result and hands it to the one completion path.
// Still running → poll again after 5, 10, 30, 60, 300 s, then every 300 s, until the job times out (24 h).
import type { JobStatus } from '../shunya/types.ts';
import { completeOperation } from './complete.ts';
import type { PipelineDeps } from './deps.ts';
import { isTerminal, type OperationRow } from './model.ts';
import { enqueue, TASK } from './queue.ts';
import { shunyaFailure } from './shunya-failure.ts';
import { findJob, findOperation, lockOperation, updateOperation } from './store.ts';

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
    const c = shunyaFailure(e);
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
    log.warn({ error_code: c.info.error_code }, 'poll failed; polling again later');
  }
  await scheduleNextPoll(deps, op.id);
}

export async function scheduleNextPoll(deps: PipelineDeps, operationId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const op = await lockOperation(tx, operationId);
    if (op?.status !== 'submitted') return;
    const delays = deps.config.jobs.pollDelaysS;
    const delayS = delays[Math.min(op.poll_count + 1, delays.length - 1)] ?? 300;
    const runAt = new Date(deps.clock.now().getTime() + delayS * 1000);
    await updateOperation(tx, op.id, { poll_count: op.poll_count + 1, next_poll_at: runAt });
    await enqueue(tx, TASK.poll, { operation_id: op.id }, { jobKey: `poll:${op.id}`, runAt });
  });
}
