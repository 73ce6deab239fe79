// A webhook body in either profile (decision D1): the handoff's {shunya_job_id, status, result | error,
// company_id} or Shunya's event profile {event_type, task_id, call_id, company_id, status, data | error}.
// The result stays raw here: the caller normalises it by the operation's kind. Signatures are verified
// elsewhere (the receiver), before this is called.
import type { Normalized, OperationKind, WebhookEnvelope } from '../types.ts';
import { asRecord, firstPresent, get, int, isRecord, jobId, text, token } from './coerce.ts';
import { normalizeError } from './error.ts';
import { Notes } from './notes.ts';

const KINDS: [RegExp, OperationKind][] = [
  [/^call\.transcription\./, 'transcription'],
  [/^call\.analysis\./, 'analysis'],
  [/^meeting\.segmentation\./, 'segmentation'],
];

const STATUSES: Record<string, WebhookEnvelope['status']> = {
  completed: 'completed',
  complete: 'completed',
  succeeded: 'completed',
  success: 'completed',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  processing: 'processing',
  running: 'processing',
  in_progress: 'processing',
  queued: 'processing',
  pending: 'processing',
};

export function normalizeWebhook(body: unknown): Normalized<WebhookEnvelope> {
  const n = new Notes();
  const r = asRecord(body);
  if (!r) {
    n.problem('webhook body is not a JSON object');
    return n.fail();
  }
  const eventType = typeof get(r, 'event_type') === 'string' ? (get(r, 'event_type') as string).trim() : null;
  const profile = get(r, 'event_type') !== undefined && get(r, 'event_type') !== null ? 'shunya' : 'handoff';

  const id = firstPresent(r, ['shunya_job_id', 'job_id', 'task_id']);
  const shunya_job_id = jobId(id?.value);
  if (shunya_job_id === null) {
    if (text(id?.value) !== null) n.invalid('shunya_job_id');
    else n.absent('shunya_job_id');
    n.problem('webhook names no job (shunya_job_id, job_id or task_id)');
  }

  const kind = eventType ? (KINDS.find(([re]) => re.test(eventType))?.[1] ?? null) : null;
  if (profile === 'shunya' && kind === null) n.invalid('event_type');

  const resultRaw = firstPresent(r, ['result', 'data'])?.value ?? null;
  const errorRaw = get(r, 'error');
  const error = errorRaw === undefined || errorRaw === null ? null : normalizeError(errorRaw);

  let status = STATUSES[token(get(r, 'status')) ?? ''] ?? null;
  if (status === null) {
    if (get(r, 'status') !== undefined && get(r, 'status') !== null) n.invalid('status');
    // From the event type's suffix (call.analysis.complete → completed), else from what the body carries.
    const suffix = eventType ? token(eventType.split('.').pop()) : null;
    status = STATUSES[suffix ?? ''] ?? (error ? 'failed' : isRecord(resultRaw) ? 'completed' : null);
    if (status !== null) n.filled('status');
    else n.absent('status');
  }
  if (status === 'failed' && error === null) n.absent('error');
  if (status === 'completed' && resultRaw === null) n.absent(profile === 'shunya' ? 'data' : 'result');

  const company_id = text(get(r, 'company_id'));
  if (company_id === null) n.absent('company_id');
  const resultRec = asRecord(resultRaw);
  return n.result<WebhookEnvelope>({
    profile,
    shunya_job_id,
    company_id,
    status,
    kind,
    call_id: int(get(r, 'call_id')) ?? int(get(resultRec, 'call_id')),
    result: resultRaw,
    error,
  });
}
