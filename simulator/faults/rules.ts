// Fault rules: what can go wrong, where (global, per tenant, per operation) and how often (a
// probability, or a script: the next N matching requests or webhooks).
import { z } from 'zod';

/** HTTP operations, by the contract's names, and their groups. */
export const HTTP_OPERATIONS = [
  'transcribe',
  'transcription_status',
  'transcript',
  'analysis_start',
  'analysis_status',
  'analysis_complete',
  'segmentation_analyze',
  'segmentation_status',
  'segmentation_analysis',
  'health',
] as const;
export type HttpOperation = (typeof HTTP_OPERATIONS)[number];
export const JOB_KINDS = ['transcription', 'analysis', 'segmentation'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** What a rule's `operations` may name: an HTTP operation, a job kind (its requests, jobs and
 * webhooks), `webhook` (every webhook) or `http` (every HTTP operation). */
export const OPERATION_TAGS = [...HTTP_OPERATIONS, ...JOB_KINDS, 'webhook', 'http'] as const;

export const REQUEST_FAULTS = [
  'latency',
  'error',
  'rate_limit',
  'hang',
  'reset',
  'malformed_json',
  'success_false',
] as const;
export const PAYLOAD_FAULTS = [
  'field_variants',
  'shunya_shape',
  'missing_optional',
  'nulls',
  'numbers_as_strings',
] as const;
export const WEBHOOK_FAULTS = [
  'webhook_drop',
  'webhook_duplicate',
  'webhook_delay',
  'webhook_reorder',
  'webhook_bad_signature',
  'webhook_stale_timestamp',
  'webhook_wrong_company',
] as const;
export const JOB_FAULTS = ['job_failure'] as const;
export const FAULT_KINDS = [...REQUEST_FAULTS, ...PAYLOAD_FAULTS, ...WEBHOOK_FAULTS, ...JOB_FAULTS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The §6 field-name variations (§6.1 transcript, §6.3 objections, §6.4 sentiment). */
export const FIELD_VARIANT_NAMES = [
  'transcript',
  'speakers',
  'diarization',
  'confidence',
  'objection',
  'category',
  'sentiment',
  'sentiment_analysis.score',
] as const;

export const DelaySchema = z.discriminatedUnion('model', [
  z.object({ model: z.literal('fixed'), ms: z.number().min(0) }),
  z.object({ model: z.literal('uniform'), min_ms: z.number().min(0), max_ms: z.number().min(0) }),
  z.object({
    model: z.literal('lognormal'),
    median_ms: z.number().min(0),
    sigma: z.number().min(0),
    max_ms: z.number().min(0).optional(),
  }),
]);
export type Delay = z.infer<typeof DelaySchema>;

export const FaultParamsSchema = z
  .object({
    /** latency: the extra delay before answering (real milliseconds). */
    delay: DelaySchema,
    /** error: 500 or 503 (the statuses the contract declares), its code and retryable flag. */
    status: z.union([z.literal(500), z.literal(503)]),
    retryable: z.boolean(),
    error_code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
    /** rate_limit, error 503: the Retry-After header, seconds. */
    retry_after_s: z.number().int().min(0),
    /** error, reset, hang, malformed_json, success_false: before the handler runs (no side effect) or
     * after (the job exists, the answer is lost or broken). */
    phase: z.enum(['before', 'after']),
    /** hang: real milliseconds to hold the request before destroying the socket. */
    max_ms: z.number().int().min(0),
    /** field_variants: which §6 variations; missing_optional/nulls: which dotted fields. */
    variants: z.array(z.enum(FIELD_VARIANT_NAMES)).min(1),
    fields: z.array(z.string()).min(1),
    /** webhook_delay: extra virtual seconds; webhook_reorder: longest hold. */
    delay_s: z.number().min(0),
    /** webhook_bad_signature / stale_timestamp / wrong_company: every attempt, not just the first. */
    all_attempts: z.boolean(),
    /** webhook_stale_timestamp: how old the timestamp is, seconds (default 600). */
    age_s: z.number().min(0),
    /** job_failure: the error the job fails with. */
    message: z.string(),
  })
  .partial();
export type FaultParams = z.infer<typeof FaultParamsSchema>;

export const FaultRuleInputSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  company_id: z.string().min(1).optional(),
  operations: z.array(z.enum(OPERATION_TAGS)).min(1).optional(),
  /** Chance that a matching request or webhook is hit; 1 when omitted. */
  probability: z.number().min(0).max(1).optional(),
  /** Script: hit at most the next `count` matching requests, then the rule expires. */
  count: z.number().int().min(1).optional(),
  /** The rule expires this many virtual seconds after it is added. */
  duration_s: z.number().min(0).optional(),
  params: FaultParamsSchema.default({}),
  label: z.string().optional(),
});
export type FaultRuleInput = z.input<typeof FaultRuleInputSchema>;

export interface FaultRule extends z.infer<typeof FaultRuleInputSchema> {
  id: string;
  created_at: string;
  /** Virtual epoch ms after which the rule no longer applies. */
  expires_at_ms?: number;
  remaining?: number;
  hits: number;
}

export const isRequestFault = (k: FaultKind) => (REQUEST_FAULTS as readonly string[]).includes(k);
export const isPayloadFault = (k: FaultKind) => (PAYLOAD_FAULTS as readonly string[]).includes(k);
export const isWebhookFault = (k: FaultKind) => (WEBHOOK_FAULTS as readonly string[]).includes(k);
