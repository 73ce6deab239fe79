// What the client returns from Shunya's 2xx bodies: job ids, job states, the segmentation mode (D3).
// A 2xx that lacks what the operation needs is a ShunyaResponseError (retryable later).
import { own } from '../util/own.ts';
import { ShunyaResponseError } from './errors.ts';
import { asRecord, firstPresent, get, int, isRecord, jobId, text, token } from './normalize/coerce.ts';
import { normalizeError } from './normalize/error.ts';
import type { PolledStatus, RemoteJobStatus, Submitted } from './types.ts';

export interface ResultContext {
  ottoRequestId: string;
  endpoint: string;
  status: number;
  /** Shunya's X-Request-ID of the answer, when it sent one */
  shunyaRequestId?: string | null;
}

function unusable(ctx: ResultContext, message: string): ShunyaResponseError {
  return new ShunyaResponseError({
    httpStatus: ctx.status,
    error_code: 'INVALID_RESPONSE',
    error_type: 'server_error',
    message: `${ctx.endpoint} answered HTTP ${ctx.status}: ${message}`,
    retryable: true,
    details: {},
    timestamp: null,
    request_id: null,
    ottoRequestId: ctx.ottoRequestId,
    endpoint: ctx.endpoint,
  });
}

/** task_id (transcription) or job_id (analysis, segmentation); either name is accepted. */
export function toSubmitted(body: unknown, ctx: ResultContext): Submitted {
  const r = asRecord(body);
  const raw = firstPresent(r, ['task_id', 'job_id', 'shunya_job_id'])?.value;
  const id = jobId(raw);
  if (id === null)
    throw unusable(
      ctx,
      text(raw) === null
        ? 'no task_id or job_id in the body'
        : 'the task_id or job_id is longer than 255 characters',
    );
  return { shunya_job_id: id, transcript_id: int(get(r, 'transcript_id')) };
}

const STATES: Record<string, RemoteJobStatus['state']> = {
  queued: 'queued',
  pending: 'queued', // D10
  processing: 'processing',
  running: 'processing',
  in_progress: 'processing',
  completed: 'completed',
  complete: 'completed',
  succeeded: 'completed',
  failed: 'failed',
  error: 'failed',
};

/** `{status: queued|pending|processing|completed|failed, error?}` → RemoteJobStatus. */
export function toRemoteJobStatus(body: unknown, ctx: ResultContext): RemoteJobStatus {
  const r = asRecord(body);
  const state = own(STATES, token(get(r, 'status')) ?? '');
  if (!state) throw unusable(ctx, `unknown job status ${JSON.stringify(get(r, 'status') ?? null)}`);
  const err = get(r, 'error');
  return { state, error: err === undefined || err === null ? null : normalizeError(err) };
}

/** A status read's answer with the HTTP status it came with and Shunya's request id (D382). */
export function polledStatus(body: unknown, ctx: ResultContext): PolledStatus {
  return {
    ...toRemoteJobStatus(body, ctx),
    httpStatus: ctx.status,
    shunyaRequestId: ctx.shunyaRequestId ?? null,
  };
}

/**
 * D3: 202 is the asynchronous answer; a 200 carrying a job id and no part1 is one too. Any other 2xx is
 * the finished segmentation (normalise it with normalizeSegmentation).
 */
export function toSegmentationAnswer(
  body: unknown,
  ctx: ResultContext,
): { mode: 'sync'; result: unknown } | { mode: 'async'; submitted: Submitted } {
  const r = asRecord(body);
  const looksLikeJob = isRecord(r) && !('part1' in r) && firstPresent(r, ['job_id', 'task_id']) !== null;
  if (ctx.status === 202 || looksLikeJob) return { mode: 'async', submitted: toSubmitted(body, ctx) };
  return { mode: 'sync', result: body ?? null };
}
