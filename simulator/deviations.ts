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
  // Issue 17 (D167): the classes the kit missed, and messages it had to name.
  /** A token with another `iss` accepted. */
  'jwt_iss_unchecked',
  /** A token with another `aud` accepted. */
  'jwt_aud_unchecked',
  /** A token issued in the future (beyond the leeway) accepted. */
  'jwt_future_iat_accepted',
  /** An unsigned token (`alg: none`) accepted. */
  'jwt_alg_none_accepted',
  /** The token's signature never verified (any key, and `alg: none`, accepted). */
  'jwt_signature_unchecked',
  /** A request body without X-Signature accepted. */
  'signature_not_required',
  /** X-Signature never verified (missing, wrong or over other bytes, all accepted). */
  'signature_unchecked',
  /** X-Signature verified over the re-serialised (compact) JSON instead of the bytes received. */
  'signature_over_reserialised_body',
  /** X-Request-ID echoed as another id. */
  'request_id_replaced',
  /** An analysis started while the transcription is still queued or processing (no 409). */
  'analysis_before_transcript',
  /** Another tenant's call answered 403 FORBIDDEN (an unknown one 404): tells that it exists. */
  'cross_tenant_forbidden',
  /** Every error envelope with `error_type: client_error`. */
  'error_type_wrong',
  /** The same Idempotency-Key with another body starts a new job instead of 409. */
  'idempotency_conflict_ignored',
  /** Analyses: `total_objections` one more than the objections. */
  'total_objections_wrong',
  /** Analyses: `category_id` that is not the x-category-ids number of `category_text`. */
  'category_id_mismatch',
  /** Analyses: `severity_breakdown` that does not count the objections. */
  'severity_breakdown_wrong',
  /** Transcripts: a field the contract does not have (`debug_info`). */
  'extra_field',
  /** Analyses: an objection with severity `critical` (not in the enum). */
  'enum_value_wrong',
  /** Transcripts: `created_at` with a `+00:00` offset instead of `Z`. */
  'timestamp_with_offset',
  /** Analyses: objections in reverse timestamp order. */
  'unordered_objections',
  /** Webhooks: the result's `word_count` differs from the result endpoint's. */
  'webhook_result_differs',
  /** Webhooks: a refused delivery retried after a twentieth of the policy's delay. */
  'webhook_retry_early',
  /** Webhooks: a refused delivery retried every 5 minutes, whatever the policy's schedule (1, 2, 4 … s). */
  'webhook_retry_flat',
  /** Webhooks: X-Shunya-Timestamp in epoch seconds (10 digits). */
  'webhook_timestamp_seconds',
  /** Webhooks: the payload's `company_id` is another tenant's. */
  'webhook_wrong_company_id',
  /** Webhooks: Content-Type text/plain. */
  'webhook_content_type_text',
  /** Webhooks: X-Shunya-Task-Id names another job. */
  'webhook_task_id_mismatch',
] as const;

export type Deviation = (typeof DEVIATIONS)[number];
export const DeviationSchema = z.enum(DEVIATIONS);

/** Behaviours the strict contract allows and the simulator does not show by default, one switch each
 * (`variations` in the settings, per tenant or global): with one on, the conformance kit must fail
 * nothing (test/conformance/variations.test.ts, issue 17, D167). */
export const VARIATIONS = [
  /** Transcriptions fail with PERMANENT_FAILURE (audio without speech, as the catalogue allows). */
  'silent_audio_fails',
  /** Webhook retries as late as the policy allows: the delay plus its jitter plus late_tolerance_s. */
  'webhook_retry_late',
  /** Webhook retries as early as the policy allows: the delay less its jitter. */
  'webhook_retry_early_within_jitter',
  /** Transcripts with no words: `transcript_text` "", no speaker labels, `word_count` 0. */
  'empty_transcript',
  /** The tenant's first submission is refused 429 with Retry-After: 1. */
  'rate_limited_once',
  /** Audio over the limits accepted, then its job fails with the limit's code (x-audio-limits refusal). */
  'audio_refusal_async',
  /** Unknown and other tenants' calls answered 404 NOT_FOUND instead of CALL_NOT_FOUND (x-tenancy). */
  'generic_not_found',
  /** Analyses without objections (`[]`, totals 0). */
  'no_objections',
  /** Transcripts with `confidence_score: null` (not available, §6.6). */
  'null_confidences',
  /** Every accepted webhook delivered a second time (at-least-once). */
  'webhook_duplicate_delivery',
  /** Tokens checked with no leeway beyond the contract's (expired or future tokens within it refused). */
  'strict_clock',
] as const;

export type Variation = (typeof VARIATIONS)[number];
export const VariationSchema = z.enum(VARIATIONS);

/** The analysis latency of `beyond_sla`: §11.4's maximum (180 s) and half again. */
export const BEYOND_SLA_ANALYSIS_S = 270;
