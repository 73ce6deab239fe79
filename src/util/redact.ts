// Redaction of personal data in payloads Otto keeps for audit and debugging (decisions D85, D88): the
// webhook inbox's copy of a Shunya body, the job's output_payload, the stored copy of a CallRail body.
// An allowlist, not a denylist: a string survives only under a key known to carry an identifier, an enum
// value, a code or a time; everything else (transcripts, names, phone numbers, e-mails, addresses,
// summaries, quotes, and any field Shunya adds tomorrow) becomes "[redacted]". Numbers, booleans, null and
// the shape are kept, so a redacted body still shows what was sent and still validates against the
// contract. An error's `message` is kept with phone numbers and e-mail addresses masked.
import { maskString } from '../logger.ts';

export const REDACTED = '[redacted]';

/** Keys whose string values (or arrays of strings) are identifiers, vocabularies, codes or times. */
const KEPT = new Set([
  // identifiers
  'id',
  'call_id',
  'company_id',
  'job_id',
  'task_id',
  'shunya_job_id',
  'transcript_id',
  'request_id',
  'resource_id',
  // envelopes, states and codes
  'event_type',
  'status',
  'kind',
  'type',
  'call_type',
  'job_type',
  'success',
  'error_code',
  'error_type',
  'code',
  'message',
  'analysis_type',
  'language',
  'model',
  'target_role',
  'direction',
  'source',
  // Shunya's vocabularies (D2, D14)
  'qualification_status',
  'booking_status',
  'call_outcome_category',
  'lead_temperature',
  'lead_status',
  'lead_quality',
  'appointment_type',
  'outcome',
  'meeting_outcome',
  'severity',
  'priority',
  'impact',
  'level',
  'action_type',
  'contact_method',
  'category',
  'category_text',
  'speaker',
  'speaker_id',
  'stages_followed',
  'stages_missed',
  // times and durations
  'timestamp',
  'created_at',
  'updated_at',
  'completed_at',
  'processed_at',
  'due_at',
  'appointment_date',
  'scheduled_time',
  'start_time',
  'duration',
]);

/** A copy of `value` with every string outside the allowlist replaced by "[redacted]". */
export function redactPersonal(value: unknown, key: string | null = null, depth = 0): unknown {
  if (depth > 32) return REDACTED;
  if (typeof value === 'string') {
    if (key === 'message') return maskString(value); // an error's words: kept, numbers and e-mails masked
    return key !== null && KEPT.has(key) ? value : REDACTED;
  }
  if (Array.isArray(value)) return value.map((v) => redactPersonal(v, key, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactPersonal(v, k, depth + 1);
    return out;
  }
  return value;
}
