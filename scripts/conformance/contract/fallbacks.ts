// What the kit expects when the contract does not (yet) say it in a machine-readable `x-` extension:
// the handoff's own statements, each with its section. The report names every expectation that came
// from here (decision D66), so a Shunya engineer sees which rule is the contract's and which is prose.
import type { AliasRule, AudioLimits, CatalogueEntry, OrderingRule, Slas, WebhookPolicy } from './model.ts';

const e = (
  code: string,
  status: number,
  type: string,
  retryable: boolean,
  source: string,
): CatalogueEntry => ({ code, status, type, retryable, source });

/** §5.1, §4.1's example, the contract's prose and examples, and Shunya's "Common Error Codes" table. */
export const FALLBACK_CATALOGUE: CatalogueEntry[] = [
  e('VALIDATION_ERROR', 400, 'client_error', false, 'contract BadRequest example; Shunya table'),
  e('TOKEN_MISSING', 401, 'authentication_error', false, 'contract Unauthorized; §5.1'),
  e('TOKEN_INVALID', 401, 'authentication_error', false, 'contract Unauthorized; §5.1'),
  e('TOKEN_EXPIRED', 401, 'authentication_error', false, 'contract Unauthorized example'),
  e('SIGNATURE_INVALID', 401, 'authentication_error', false, 'contract Unauthorized'),
  e('COMPANY_ID_MISMATCH', 403, 'authentication_error', false, 'contract Forbidden example'),
  e('CALL_NOT_FOUND', 404, 'client_error', false, 'contract NotFound; Shunya example'),
  e('TRANSCRIPT_NOT_AVAILABLE', 404, 'client_error', false, 'contract NotFound'),
  e('ANALYSIS_NOT_AVAILABLE', 404, 'client_error', false, 'contract NotFound example; Shunya table'),
  e('TRANSCRIPT_NOT_READY', 409, 'client_error', true, 'contract Conflict example'),
  e('IDEMPOTENCY_KEY_REUSED', 409, 'client_error', false, 'contract IdempotencyConflict; §4.6'),
  e('AUDIO_TOO_LARGE', 422, 'client_error', false, 'contract AudioRejected; §11.3'),
  e('AUDIO_TOO_LONG', 422, 'client_error', false, 'contract AudioRejected; §11.3'),
  e('UNSUPPORTED_AUDIO_FORMAT', 422, 'client_error', false, 'contract AudioRejected; §11.3'),
  e('INVALID_AUDIO_URL', 422, 'client_error', false, '§4.1 example'),
  e('SEGMENTATION_NOT_APPLICABLE', 422, 'client_error', false, 'contract Unprocessable example'),
  e('RATE_LIMIT_EXCEEDED', 429, 'rate_limit_error', true, 'contract TooManyRequests; §5.1'),
  e('INTERNAL_ERROR', 500, 'server_error', true, '§5.1'),
  e('TRANSCRIPTION_FAILED', 500, 'server_error', true, 'Shunya table'),
  e('ANALYSIS_FAILED', 500, 'server_error', true, 'Shunya table'),
  e('SEGMENTATION_FAILED', 500, 'server_error', true, 'simulator (D22)'),
  e('SERVICE_UNAVAILABLE', 503, 'server_error', true, 'contract ServiceUnavailable; Shunya table'),
];

/** §2.2 and §13.5: "retry webhook delivery on failure (with exponential backoff)"; no numbers. */
export const FALLBACK_WEBHOOK_POLICY: WebhookPolicy = {
  firstDelayS: null,
  factor: 2,
  jitter: 0.2,
  maxDelayS: null,
  attempts: null,
  giveUpAfterS: null,
  attemptTimeoutS: null,
  retriedAnswers: ['500', '502', '503', '504', 'timeout'],
  notRetriedAnswers: ['200'],
  toleranceS: 300,
  lateToleranceS: null,
  source: 'handoff §2.2, §8.2, §13.5 (exponential backoff; 5 minutes of timestamp tolerance)',
};

/** §6.7 (speaker labels, objections, pending actions). */
export const FALLBACK_ORDERING: OrderingRule[] = [
  {
    property: 'speaker_labels',
    by: [{ field: 'start_time', direction: 'asc', nulls: 'last' }],
    contiguous: { start: 'start_time', end: 'end_time', toleranceS: 0.05 },
  },
  { property: 'objections', by: [{ field: 'timestamp', direction: 'asc', nulls: 'last' }], contiguous: null },
  {
    property: 'pending_actions',
    by: [
      { field: 'due_at', direction: 'asc', nulls: 'last' },
      { field: 'priority', direction: 'asc', nulls: 'last', rank: ['high', 'medium', 'low'] },
    ],
    contiguous: null,
  },
];

/** §11.3. */
export const FALLBACK_AUDIO: AudioLimits = {
  maxBytes: 104_857_600,
  maxSeconds: 7200,
  formats: ['mp3', 'wav', 'm4a'],
  refusal: ['synchronous'],
  source: 'handoff §11.3 (100 MB, 2 hours, MP3/WAV/M4A)',
};

/** §11.4, in seconds; transcription per second of audio. */
export const FALLBACK_SLAS: Slas = {
  transcriptionPerAudioSecond: { target: 0.2, max: 0.5 },
  analysis: { target: 60, max: 180 },
  segmentation: { target: 120, max: 300 },
  webhook: { target: 30, max: 300 },
  source: 'handoff §11.4',
};

/** §6.1, §6.3, §6.4: the variations the handoff names, where they occur (`[]`: every item of an array).
 * The tolerant reading accepts them; the strict contract has none (§13.4, §13.10). */
export const FALLBACK_ALIASES: AliasRule[] = [
  { kind: 'transcript', at: '', canonical: 'transcript_text', alias: 'transcript' },
  { kind: 'transcript', at: '', canonical: 'speaker_labels', alias: 'speakers' },
  { kind: 'transcript', at: '', canonical: 'speaker_labels', alias: 'diarization' },
  { kind: 'transcript', at: '', canonical: 'confidence_score', alias: 'confidence' },
  { kind: 'analysis', at: 'objections.objections[]', canonical: 'objection_text', alias: 'objection' },
  { kind: 'analysis', at: 'objections.objections[]', canonical: 'category_text', alias: 'category' },
  { kind: 'analysis', at: '', canonical: 'sentiment_score', alias: 'sentiment' },
  { kind: 'analysis', at: '', canonical: 'sentiment_score', alias: 'sentiment_analysis' },
  { kind: 'analysis', at: 'summary', canonical: 'sentiment_score', alias: 'sentiment' },
  { kind: 'analysis', at: 'summary', canonical: 'sentiment_score', alias: 'sentiment_analysis' },
];
