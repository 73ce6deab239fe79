// Deliberate deviations from the strict Shunya contract, one switch each, globally or per tenant
// (`deviations` in the settings, a scenario file, SIM_DEVIATIONS or --deviation). They exist to prove
// the conformance kit (scripts/conformance/): with a deviation on, the kit must fail exactly the §13
// item(s) it breaks and nothing else (test/conformance/mutations.test.ts). Off by default; none of them
// is a fault Otto is meant to survive (those are faults/, and they are random or scripted, not modes).
import { z } from 'zod';

export const DEVIATIONS = [
  /** Results: `transcript` instead of `transcript_text` (a §6.1 variation). */
  'field_alias',
  /** Results: the transcript without its required `call_id`. */
  'missing_required_field',
  /** Results: the transcript's `confidence_score` is 7.5. */
  'confidence_out_of_range',
  /** Results: `speaker_labels` in reverse order. */
  'unordered_speakers',
  /** Webhooks: the right signature in upper-case hex. */
  'webhook_signature_uppercase',
  /** Webhooks: signed with another secret. */
  'webhook_signature_wrong',
  /** Webhooks: X-Shunya-Timestamp ten minutes old (and signed with it). */
  'webhook_stale_timestamp',
  /** Webhooks: a refused delivery is never retried. */
  'webhook_no_retry',
  /** Webhooks: no X-Shunya-Task-Id header. */
  'webhook_without_task_id',
  /** Idempotency-Key ignored: every request runs. */
  'idempotency_ignored',
  /** X-Company-ID not compared with the token's company_id. */
  'company_header_unchecked',
  /** An expired (but correctly signed) JWT accepted. */
  'expired_jwt_accepted',
  /** Errors as `{detail: "…"}` (FastAPI's default) instead of the envelope. */
  'errors_without_envelope',
  /** No X-Request-ID on responses. */
  'no_request_id',
  /** Error envelopes with `request_id: null`. */
  'request_id_not_in_errors',
  /** Error envelopes with `retryable` inverted. */
  'retryable_inverted',
  /** Error codes outside the catalogue (`SHUNYA_` + the code). */
  'uncatalogued_error_codes',
  /** Another tenant's call readable by its call id. */
  'cross_tenant_readable',
  /** Analyses take 270 s, beyond §11.4's 3-minute maximum. */
  'beyond_sla',
  /** Audio over 100 MB or 2 hours accepted. */
  'audio_limits_unchecked',
] as const;

export type Deviation = (typeof DEVIATIONS)[number];
export const DeviationSchema = z.enum(DEVIATIONS);

/** The analysis latency of `beyond_sla`: §11.4's maximum (180 s) and half again. */
export const BEYOND_SLA_ANALYSIS_S = 270;
