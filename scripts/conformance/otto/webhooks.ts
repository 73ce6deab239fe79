// The webhooks the kit sends Otto in --target otto: bodies in the handoff profile (§8, the strict
// contract's) and in Shunya's event profile (the tolerant reading), signed as each profile says, or
// broken on purpose (another secret, a stale or future timestamp, missing headers).
import { handoffWebhookSignature, shunyaWebhookSignatureOfPayload } from '../../../wire/signatures.ts';

export type Kind = 'transcription' | 'analysis' | 'segmentation';

export interface Target {
  jobId: string;
  companyId: string;
  callId: number;
  kind: Kind;
}

const iso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A finished transcript in the strict shape (§6.1): two speakers, no gaps. */
function transcript(t: Target): Record<string, unknown> {
  const labels = [
    {
      speaker: 'rep',
      text: 'Thanks for calling ABC Roofing, how can I help?',
      start_time: 0.5,
      end_time: 3.25,
      confidence: 0.95,
    },
    {
      speaker: 'customer',
      text: 'I have a leak over the kitchen and need a quote.',
      start_time: 3.25,
      end_time: 6.75,
      confidence: 0.93,
    },
  ];
  const text = labels.map((l) => l.text).join(' ');
  return {
    success: true,
    call_id: t.callId,
    transcript_id: null,
    task_id: t.jobId,
    transcript_text: text,
    speaker_labels: labels,
    confidence_score: 0.94,
    language: 'en-US',
    word_count: text.split(/\s+/).length,
    duration_seconds: 6.75,
    created_at: iso(),
  };
}

/** A transcription completes with a transcript; other kinds fail (a complete analysis is Shunya's to
 * produce, and a failure is a documented outcome Otto must take as well). */
export function handoffBody(t: Target, companyId = t.companyId): Record<string, unknown> {
  const failed = t.kind !== 'transcription';
  return {
    shunya_job_id: t.jobId,
    status: failed ? 'failed' : 'completed',
    company_id: companyId,
    result: failed ? null : transcript(t),
    error: failed
      ? {
          error_code: t.kind === 'analysis' ? 'ANALYSIS_FAILED' : 'SEGMENTATION_FAILED',
          error_type: 'server_error',
          message: 'sent by the conformance kit',
          retryable: true,
          details: {},
          timestamp: iso(),
          request_id: null,
        }
      : null,
    timestamp: iso(),
  };
}

/** The body as the contract's webhook schema wants it: the strict contract has `result` and `error`
 * always present, one of them null; an older contract forbids the null one (it is then left out). */
export function asContractWants(
  payload: Record<string, unknown>,
  validate: ((body: unknown) => { instancePath: string }[]) | null,
): Record<string, unknown> {
  if (!validate || validate(payload).length === 0) return payload;
  const trimmed = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== null));
  return validate(trimmed).length < validate(payload).length ? trimmed : payload;
}

const EVENT: Record<Kind, string> = {
  transcription: 'call.transcription',
  analysis: 'call.analysis',
  segmentation: 'meeting.segmentation',
};

/** The same outcome in Shunya's event profile (its notes; Otto accepts it when configured to). */
export function eventBody(t: Target): Record<string, unknown> {
  const h = handoffBody(t);
  const failed = h.status === 'failed';
  return {
    event_type: `${EVENT[t.kind]}.${failed ? 'failed' : 'complete'}`,
    task_id: t.jobId,
    call_id: t.callId,
    company_id: t.companyId,
    timestamp: h.timestamp,
    status: h.status,
    ...(failed ? { error: { success: false, error: h.error, timestamp: h.timestamp } } : { data: h.result }),
  };
}

export interface Signed {
  headers: Record<string, string>;
  body: string;
}

export interface SignOptions {
  secret: string;
  /** Milliseconds added to now for X-Shunya-Timestamp (negative: in the past). */
  skewMs?: number;
  /** Replaces X-Shunya-Timestamp verbatim. */
  timestamp?: string;
  profile?: 'handoff' | 'shunya';
  omit?: ('x-shunya-signature' | 'x-shunya-timestamp')[];
}

/** §8.1: lowercase hex HMAC-SHA256 of "{ts}." + the raw body (handoff); of "{ts}:" + Python's
 * json.dumps(payload, sort_keys=True) (Shunya's event profile, D1). */
export function signed(payload: Record<string, unknown>, o: SignOptions): Signed {
  const body = JSON.stringify(payload);
  const ts = o.timestamp ?? String(Date.now() + (o.skewMs ?? 0));
  const signature =
    o.profile === 'shunya'
      ? shunyaWebhookSignatureOfPayload(o.secret, ts, payload)
      : handoffWebhookSignature(o.secret, ts, body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shunya-signature': signature,
    'x-shunya-timestamp': ts,
    'x-shunya-task-id': String(payload.shunya_job_id ?? payload.task_id ?? ''),
  };
  for (const h of o.omit ?? []) delete headers[h];
  return { headers, body };
}
