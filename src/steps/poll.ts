// Task otto_poll: the fallback when no webhook arrives (§2.1 "Polling (Fallback)", §9.3). It asks the
// status endpoint; when Shunya is done it fetches the result and hands it to the one completion path.
// Still running → poll again after 5, 10, 30, 60, 300 s, then every 300 s, until the job times out (24 h).

import type { PipelineDeps } from '../jobs/deps.ts';
import { isTerminal, type JobRow, jobAttributes, type OperationRow, shunyaCallId } from '../jobs/model.ts';
import { jobError, operationAndJob } from '../jobs/store.ts';
import { type PollAnswer, pollAgain, recordPollAnswer } from '../jobs/transitions/index.ts';
import type { Logger } from '../logger.ts';
import type { PolledStatus } from '../shunya/types.ts';
import { inSpan, jobSpanOptions, type Span, withTrace } from '../tracing.ts';
import { completeOperation } from './complete.ts';
import { type ShunyaFailure, shunyaFailure } from './shunya-failure.ts';

async function status(deps: PipelineDeps, op: OperationRow, callId: number): Promise<PolledStatus> {
  const opts = { requestId: op.request_id, trace: deps.trace };
  if (op.kind === 'transcription') return deps.client.getTranscriptionStatus(op.company_id, callId, opts);
  if (op.kind === 'analysis') return deps.client.getAnalysisStatus(op.company_id, callId, opts);
  return deps.client.getSegmentationStatus(op.company_id, callId, opts);
}

async function result(deps: PipelineDeps, op: OperationRow, callId: number): Promise<unknown> {
  const opts = { requestId: op.request_id, trace: deps.trace };
  if (op.kind === 'transcription') return deps.client.getTranscript(op.company_id, callId, opts);
  if (op.kind === 'analysis') return deps.client.getCompleteAnalysis(op.company_id, callId, opts);
  return deps.client.getSegmentationAnalysis(op.company_id, callId, opts);
}

export async function poll(deps: PipelineDeps, operationId: string): Promise<void> {
  const found = await operationAndJob(deps.db, operationId);
  // the webhook won, the operation was superseded, or its job ended
  if (found?.op.status !== 'submitted' || isTerminal(found.job.job_status)) return;
  const attributes = { ...jobAttributes(found.job, found.op.kind), 'otto.poll_count': found.op.poll_count };
  await inSpan(
    `otto.poll ${found.op.kind}`,
    jobSpanOptions(found.job.trace_context, attributes, deps.trace),
    (span, trace) => pollOnce(withTrace(deps, trace), found, span),
  );
}

async function pollOnce(
  deps: PipelineDeps,
  { op, job }: { op: OperationRow; job: JobRow },
  span: Span,
): Promise<void> {
  const callId = shunyaCallId(job);
  const log = deps.logger.child({
    operation_id: op.id,
    job_id: job.id,
    request_id: op.request_id,
    kind: op.kind,
  });

  const started = performance.now();
  const answered = (s: PolledStatus): PollAnswer => ({
    answer: s.state,
    errorCode: s.error?.error_code ?? null,
    // the answer's own status and request id, as Shunya sent them (D382); a job error's id names its failure
    httpStatus: s.httpStatus,
    shunyaRequestId: s.error?.request_id ?? s.shunyaRequestId,
    durationMs: performance.now() - started,
  });
  let answer: PollAnswer;
  try {
    const s = await status(deps, op, callId);
    span.setAttribute('otto.shunya_state', s.state);
    answer = answered(s);
    if (s.state === 'completed') {
      const raw = await result(deps, op, callId);
      answer = answered(s); // the poll's time includes fetching the result
      const r = await completeOperation(deps, op.id, { status: 'completed', result: raw }, 'poll');
      await recordPollAnswer(deps.db, op, answer);
      log.info({ verdict: r.verdict }, 'poll found the result');
      return;
    }
    if (s.state === 'failed') {
      const error = s.error ?? deps.normalize.error({}, 500);
      await completeOperation(deps, op.id, { status: 'failed', error }, 'poll');
      await recordPollAnswer(deps.db, op, answer);
      return;
    }
  } catch (e) {
    const failure = shunyaFailure(e);
    if (!failure) throw e;
    const failed = failedAnswer(failure, performance.now() - started);
    if (failure.disposition === 'permanent' && failure.httpStatus === 404) {
      // Shunya no longer knows the job: the operation failed (retryable: it is resubmitted)
      await completeOperation(
        deps,
        op.id,
        { status: 'failed', error: { ...failure.info, retryable: true }, httpStatus: 404 },
        'poll',
      );
      await recordPollAnswer(deps.db, op, failed);
      return;
    }
    await pollFailed(deps, op, failure, failed, log);
    return;
  }
  await pollAgain(deps.db, op, nextPollAt(deps, op), null, answer);
}

/** A poll without a usable answer, as kept (D275): its error code, never its body. */
function failedAnswer(failure: ShunyaFailure, durationMs: number): PollAnswer {
  return {
    answer: failure.unreadable ? 'unreadable' : 'error',
    errorCode: failure.info.error_code,
    httpStatus: failure.httpStatus,
    shunyaRequestId: failure.info.request_id,
    durationMs,
  };
}

/** §9.3's polling backoff: 5, 10, 30, 60, 300 s, then every 300 s. */
function nextPollAt(deps: PipelineDeps, op: OperationRow): Date {
  const delays = deps.config.jobs.pollDelaysS;
  const delayS = delays[Math.min(op.poll_count + 1, delays.length - 1)] ?? 300;
  return new Date(deps.clock.now().getTime() + delayS * 1000);
}

/**
 * A poll that got no usable answer (D80): the error is recorded on the operation and the job (the ops API
 * shows it); an unreadable answer is counted, and POLL_UNREADABLE_LIMIT of them in a row end the attempt
 * (the operation fails, retryable, and the job-level retry resubmits) instead of polling on for 24 h. The
 * next poll is scheduled even when the limit is reached: it is removed when the attempt ends, and stands
 * in for that ending if this process dies first.
 */
async function pollFailed(
  deps: PipelineDeps,
  op: OperationRow,
  failure: ShunyaFailure,
  answer: PollAnswer,
  log: Logger,
) {
  const err = jobError(failure.info, failure.httpStatus, deps.clock.now());
  if (failure.unreadable) deps.metrics?.unreadableAnswer(op.kind, 'poll');
  const unreadable = await pollAgain(
    deps.db,
    op,
    nextPollAt(deps, op),
    {
      error: err,
      unreadable: failure.unreadable,
    },
    answer,
  );
  log.warn({ error_code: err.error_code, unreadable_answers: unreadable }, 'poll failed');
  if (unreadable === null || unreadable < deps.config.jobs.pollUnreadableLimit) return;
  log.warn({ unreadable_answers: unreadable }, 'unreadable answers in a row: this attempt ends');
  const message = `${unreadable} unreadable answers in a row from Shunya; the last: ${err.message}`;
  await completeOperation(
    deps,
    op.id,
    {
      status: 'failed',
      error: { ...failure.info, message, retryable: true },
      httpStatus: failure.httpStatus,
    },
    'poll',
  );
}
