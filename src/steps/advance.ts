// Task otto_advance: does the next step of a running job and returns; it never waits for Shunya (§2.1).
// The step is to submit the current stage's operation; waiting is the operation's `submitted` state plus a
// scheduled poll (the fallback), while the webhook is the fast path. What a failed submission means was
// decided by the client when it built the error (D96): flow control defers the step, a transient failure
// costs an attempt, a permanent one fails the job.
import type { JobError } from '../../generated/otto/types.gen.ts';
import type { PipelineDeps } from '../jobs/deps.ts';
import { type JobRow, jobAttributes, type OperationRow } from '../jobs/model.ts';
import { isShunyaJobIdTaken, jobError, operationHolding } from '../jobs/store.ts';
import {
  deferStep,
  markSubmitted,
  markSubmittedSynchronously,
  replaceFailedOperation,
  runningJobAndOperation,
} from '../jobs/transitions/index.ts';
import type { Submitted } from '../shunya/types.ts';
import { inSpan, jobSpanOptions, withTrace } from '../tracing.ts';
import { type CompletionResult, completeOperation } from './complete.ts';
import { attemptFailed } from './failure.ts';
import { shunyaFailure } from './shunya-failure.ts';

type Submission = { mode: 'async'; submitted: Submitted } | { mode: 'sync'; result: unknown };

async function submit(deps: PipelineDeps, job: JobRow, op: OperationRow): Promise<Submission> {
  const input = job.input_payload;
  const opts = { requestId: op.request_id, idempotencyKey: op.idempotency_key, trace: deps.trace };
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

/**
 * `attempt`: graphile-worker's count of this step's runs. On its first run, a step admission added carries
 * its job and its new operation (D340), as does one a stage's completion added for the next stage (D421):
 * nothing since that statement can have submitted that operation, and markSubmitted's guard refuses it if
 * the job stopped running meanwhile. A rerun (the first threw) reads them, as does a step added by any
 * other transition (deferStep, requeueLost, an operator's retry).
 */
export async function advance(
  deps: PipelineDeps,
  task: GraphileWorker.Tasks['otto_advance'],
  attempt = 1,
): Promise<void> {
  const carried = attempt === 1 && task.job && task.op ? { job: task.job, op: task.op } : undefined;
  const found = carried ?? (await runningJobAndOperation(deps.db, task.job_id));
  if (!found) return;
  // the step joins the job's trace, whichever process runs it and however late (D196)
  const attributes = jobAttributes(found.job, found.op.kind);
  await inSpan(
    `otto.step ${found.job.stage}`,
    jobSpanOptions(found.job.trace_context, attributes, deps.trace),
    (_span, trace) => step(withTrace(deps, trace), found.job, found.op),
  );
}

async function step(deps: PipelineDeps, job: JobRow, found: OperationRow): Promise<void> {
  let op = found;
  const log = deps.logger.child({ job_id: job.id, company_id: job.company_id, stage: job.stage });
  // a retry of a stage whose last operation failed: a new operation, with a new Idempotency-Key
  if (op.status === 'failed') op = await replaceFailedOperation(deps.db, job, op);
  // `submitted`: waiting for the webhook or the poll; `completed`: the completion path moved the job on.
  if (op.status !== 'submitting') return;

  let submission: Submission;
  try {
    // A replay of a submission that may have reached Shunya reuses the operation's Idempotency-Key (§4.6).
    submission = await submit(deps, job, op);
  } catch (e) {
    const failure = shunyaFailure(e);
    if (!failure) throw e;
    const now = deps.clock.now();
    const err = jobError(failure.info, failure.httpStatus, now);
    log.warn(
      { request_id: op.request_id, error_code: err.error_code, disposition: failure.disposition },
      'submission failed',
    );
    if (failure.unreadable) deps.metrics?.unreadableAnswer(op.kind, 'submit');
    if (failure.disposition === 'later') {
      // an open breaker or a rate limit is flow control, not a failed attempt (§9.1, D35)
      await deferStep(
        deps.db,
        job.id,
        err,
        new Date(now.getTime() + (failure.retryAfterMs ?? 30_000)),
        op.id,
      );
    } else if (failure.disposition === 'transient') {
      // the operation stays `submitting`: the next attempt replays it with the same Idempotency-Key
      await attemptFailed(deps, job, err, null, { operationId: op.id, error: err });
    } else {
      await attemptFailed(
        deps,
        job,
        { ...err, retryable: false },
        { row: op, error: err, adoptShunyaJobId: null },
      );
    }
    return;
  }

  if (submission.mode === 'sync') {
    await completeSynchronously(deps, op.id, submission.result);
    return;
  }
  const { shunya_job_id, transcript_id } = submission.submitted;
  const now = deps.clock.now();
  let marked: boolean;
  try {
    marked = await markSubmitted(deps.db, {
      operationId: op.id,
      companyId: op.company_id,
      jobId: job.id,
      shunyaJobId: shunya_job_id,
      transcriptId: transcript_id,
      now,
      firstPoll: new Date(now.getTime() + (deps.config.jobs.pollDelaysS[0] ?? 5) * 1000),
    });
  } catch (e) {
    if (!isShunyaJobIdTaken(e)) throw e;
    await jobIdTaken(deps, job, op, shunya_job_id);
    return;
  }
  if (marked) log.info({ request_id: op.request_id, shunya_job_id }, 'submitted to Shunya');
  else
    log.info(
      { request_id: op.request_id, shunya_job_id },
      'submitted to Shunya; a webhook had already completed or failed the operation',
    );
}

/**
 * Shunya answered the submission with a job id another operation of the tenant already carries (D106):
 * most likely an earlier attempt's, handed back because Shunya deduplicated the resubmission (a mock of
 * Shunya's document answers "string" every time). One operation per Shunya job id (§4.6 method 2) is what
 * lets a webhook find its job, so the answer cannot be taken; it ends the attempt, with the reason on the
 * operation and the job, instead of failing the task over and over while the job stays `running`.
 */
async function jobIdTaken(
  deps: PipelineDeps,
  job: JobRow,
  op: OperationRow,
  shunyaJobId: string,
): Promise<void> {
  const holder = await operationHolding(deps.db, job.company_id, shunyaJobId);
  const whose = holder
    ? `operation ${holder.id} (${holder.kind}, ${holder.status}, ${holder.job_id === job.id ? 'an earlier attempt of this job' : `job ${holder.job_id}`})`
    : 'another operation';
  const err: JobError = {
    error_code: 'INVALID_RESPONSE',
    error_type: 'server_error',
    message: `Shunya answered the submission with job id "${shunyaJobId}", which ${whose} already carries; Otto keeps one operation per Shunya job id (§4.6)`,
    retryable: true,
    http_status: null,
    shunya_request_id: null,
    at: deps.clock.now().toISOString(),
  };
  deps.logger.warn(
    { job_id: job.id, operation_id: op.id, shunya_job_id: shunyaJobId, holder: holder?.id },
    'Shunya job id already taken',
  );
  deps.metrics?.unreadableAnswer(op.kind, 'submit');
  await attemptFailed(deps, job, err, { row: op, error: err, adoptShunyaJobId: null });
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
  if (!(await markSubmittedSynchronously(deps.db, operationId, deps.clock.now()))) return null;
  return completeOperation(deps, operationId, { status: 'completed', result }, 'sync');
}
