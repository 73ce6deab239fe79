// The two webhook profiles (decision D1): the body, its serialisation and its signature.
// - handoff (§8, the strict contract's only profile, D55): {shunya_job_id, status, company_id, result,
//   error, timestamp} with `result` or `error` null; signature = lowercase hex HMAC-SHA256 of
//   "{X-Shunya-Timestamp}." + the raw body bytes.
// - shunya (Shunya's notes, tolerant reading): {event_type, task_id, call_id, company_id, timestamp, status,
//   data | error};
//   the body is written as Python's json.dumps(payload) would write it, and the signature is hex
//   HMAC-SHA256 of "{X-Shunya-Timestamp}:" + json.dumps(payload, sort_keys=True).
import type { components } from '../../generated/shunya/schema.d.ts';
import type { components as tolerant } from '../../generated/shunya-tolerant/schema.d.ts';
import { pythonJsonDumps } from '../../wire/json.ts';
import { handoffWebhookSignature, shunyaWebhookSignatureOfPayload } from '../../wire/signatures.ts';
import type { WebhookProfile } from '../config.ts';
import type { ErrorObject } from '../errors.ts';
import type { JobKind } from '../faults/rules.ts';

type S = components['schemas'];
type T = tolerant['schemas'];
export type WebhookBody = S['WebhookPayload'] | T['EventWebhookPayload'];

/** Keys whose numbers a Python Shunya holds as floats (times, scores, confidences). */
const FLOAT_KEYS = new Set([
  'start_time',
  'end_time',
  'duration',
  'duration_seconds',
  'timestamp',
  'transition_point',
  'confidence',
  'confidence_score',
  'segmentation_confidence',
  'sentiment_score',
  'overall_score',
  'compliance_score',
  'budget',
  'authority',
  'need',
  'timeline',
  'part1_duration',
  'part2_duration',
]);
const floatKey = (k: string) => FLOAT_KEYS.has(k);

const EVENT_NAMES: Record<JobKind, string> = {
  transcription: 'call.transcription',
  analysis: 'call.analysis',
  segmentation: 'meeting.segmentation',
};

export interface WebhookSubject {
  jobId: string;
  kind: JobKind;
  companyId: string;
  callId: number;
  timestamp: string;
}

export function buildPayload(
  profile: WebhookProfile,
  s: WebhookSubject,
  outcome: { result: unknown } | { error: ErrorObject },
): WebhookBody {
  const failed = 'error' in outcome;
  const head = { shunya_job_id: s.jobId, company_id: s.companyId };
  if (profile === 'handoff')
    return failed
      ? { ...head, status: 'failed', result: null, error: outcome.error, timestamp: s.timestamp }
      : {
          ...head,
          status: 'completed',
          result: outcome.result as S['WebhookResult'],
          error: null,
          timestamp: s.timestamp,
        };
  return {
    event_type: `${EVENT_NAMES[s.kind]}.${failed ? 'failed' : 'complete'}` as T['WebhookEventType'],
    task_id: s.jobId,
    call_id: s.callId,
    company_id: s.companyId,
    timestamp: s.timestamp,
    status: failed ? 'failed' : 'completed',
    // Shunya's notes wrap a failure in the whole error envelope.
    ...(failed
      ? { error: { success: false as const, error: outcome.error, timestamp: s.timestamp } }
      : { data: outcome.result as T['Transcript'] }),
  };
}

/**
 * JSON.stringify of a completed handoff payload whose result is already serialised as `resultJson` (D590):
 * the same bytes, its keys in buildPayload's order.
 */
export function handoffCompletedBody(s: WebhookSubject, resultJson: string): string {
  const str = JSON.stringify;
  return `{"shunya_job_id":${str(s.jobId)},"company_id":${str(s.companyId)},"status":"completed","result":${resultJson},"error":null,"timestamp":${str(s.timestamp)}}`;
}

export function serialize(profile: WebhookProfile, payload: unknown): string {
  return profile === 'handoff' ? JSON.stringify(payload) : pythonJsonDumps(payload, { floatKey });
}

/** The X-Shunya-Signature of `body` (the serialised `payload`) sent with timestamp `ts`; the handoff
 * profile signs the body alone, so its payload is not made (D590). */
export function sign(
  profile: WebhookProfile,
  secret: string,
  ts: string,
  payload: () => unknown,
  body: string,
): string {
  return profile === 'handoff'
    ? handoffWebhookSignature(secret, ts, body)
    : shunyaWebhookSignatureOfPayload(secret, ts, payload(), floatKey);
}
