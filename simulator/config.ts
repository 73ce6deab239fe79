// The simulator's runtime settings (what GET/PUT /__sim/config show and change), their defaults, and
// how a partial update is merged. Startup options (port, secrets, scenario file) are in options.ts.
import { z } from 'zod';
import { WEBHOOK_DELIVERY } from '../generated/shunya/contract.ts';
import { type Deviation, DeviationSchema, type Variation, VariationSchema } from './deviations.ts';
import { type LatencySettings, LatencySettingsSchema, SLA_LATENCY } from './jobs/latency.ts';

export const DEFAULT_WEBHOOK_URL = 'http://127.0.0.1:3000/api/v1/shunya/webhook';

export const WebhookProfileSchema = z.enum(['handoff', 'shunya']);
export const PayloadShapeSchema = z.enum(['handoff', 'shunya']);
export const SegmentationModeSchema = z.enum(['async', 'sync']);
/** 202 is the strict contract's; 200 is Shunya's published document (the tolerant reading, D54). */
export const SubmissionStatusSchema = z.union([z.literal(202), z.literal(200)]);
export type WebhookProfile = z.infer<typeof WebhookProfileSchema>;
export type PayloadShape = z.infer<typeof PayloadShapeSchema>;
export type SegmentationMode = z.infer<typeof SegmentationModeSchema>;
export type SubmissionStatus = z.infer<typeof SubmissionStatusSchema>;

const RateLimitsSchema = z.object({
  /** Requests per tenant per virtual minute; null = unlimited. */
  requests_per_minute: z.number().int().min(1).nullable(),
  /** Jobs per tenant not yet completed or failed; null = unlimited. */
  max_concurrent_jobs: z.number().int().min(1).nullable(),
});

const WebhookRetrySchema = z.object({
  /** First retry after this many virtual seconds, then doubling (1, 2, 4, 8 …). */
  initial_delay_s: z.number().min(0),
  max_delay_s: z.number().min(0),
  /** ± fraction of each delay drawn at random. */
  jitter: z.number().min(0).max(1),
  /** Give up this many virtual seconds after the first attempt. */
  deadline_s: z.number().min(0),
  /** Give up after this many attempts. */
  max_attempts: z.number().int().min(1),
  /** Real milliseconds each attempt may take. */
  timeout_ms: z.number().int().min(1),
});

export const TenantSettingsSchema = z
  .object({
    webhook_url: z.string().url(),
    webhook_profile: WebhookProfileSchema,
    payload_shape: PayloadShapeSchema,
    segmentation_mode: SegmentationModeSchema,
    submission_status: SubmissionStatusSchema,
    signature_required: z.boolean(),
    rate_limits: RateLimitsSchema.partial().strict(),
    /** Deliberate contract deviations for this tenant, on top of the global ones (deviations.ts). */
    deviations: z.array(DeviationSchema),
    /** Behaviours the contract allows, for this tenant, on top of the global ones (deviations.ts). */
    variations: z.array(VariationSchema),
  })
  .partial()
  .strict();

export const SettingsSchema = z.object({
  webhook_url: z.string().url(),
  webhook_profile: WebhookProfileSchema,
  payload_shape: PayloadShapeSchema,
  segmentation_mode: SegmentationModeSchema,
  submission_status: SubmissionStatusSchema,
  /** Refuse requests with a body that carry no X-Signature. */
  signature_required: z.boolean(),
  /** Virtual seconds per real second; 0 freezes virtual time (only /__sim/time/advance moves it). */
  time_scale: z.number().min(0),
  latency: LatencySettingsSchema,
  webhook_retry: WebhookRetrySchema,
  rate_limits: RateLimitsSchema,
  /** Per-tenant overrides, by company_id. */
  tenants: z.record(z.string(), TenantSettingsSchema),
  /** Deliberate contract deviations for every tenant (deviations.ts); none by default. */
  deviations: z.array(DeviationSchema),
  /** Behaviours the contract allows, for every tenant (deviations.ts); none by default. */
  variations: z.array(VariationSchema),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** What PUT /__sim/config accepts: any subset; a tenant set to null loses its overrides. */
export const SettingsPatchSchema = SettingsSchema.extend({
  latency: SettingsSchema.shape.latency.partial(),
  webhook_retry: WebhookRetrySchema.partial(),
  rate_limits: RateLimitsSchema.partial(),
  tenants: z.record(z.string(), TenantSettingsSchema.nullable()),
})
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export function defaultSettings(): Settings {
  return {
    webhook_url: DEFAULT_WEBHOOK_URL,
    webhook_profile: 'handoff',
    payload_shape: 'handoff',
    segmentation_mode: 'async',
    submission_status: 202,
    // x-authentication.request_signature: required on every request with a body (D160).
    signature_required: true,
    time_scale: 1,
    latency: structuredClone(SLA_LATENCY),
    // The schedule of the contract's x-webhook-delivery (D48).
    webhook_retry: {
      initial_delay_s: WEBHOOK_DELIVERY.initial_delay_s,
      max_delay_s: WEBHOOK_DELIVERY.max_delay_s,
      jitter: WEBHOOK_DELIVERY.jitter,
      deadline_s: WEBHOOK_DELIVERY.give_up_after_s,
      max_attempts: WEBHOOK_DELIVERY.max_attempts,
      timeout_ms: WEBHOOK_DELIVERY.per_attempt_timeout_s * 1000,
    },
    rate_limits: { requests_per_minute: null, max_concurrent_jobs: null },
    tenants: {},
    deviations: [],
    variations: [],
  };
}

export function mergeSettings(base: Settings, patch: SettingsPatch): Settings {
  const next = structuredClone(base);
  const { latency, webhook_retry, rate_limits, tenants, ...flat } = patch;
  Object.assign(next, flat);
  if (latency) next.latency = { ...next.latency, ...(latency as Partial<LatencySettings>) };
  if (webhook_retry) next.webhook_retry = { ...next.webhook_retry, ...webhook_retry };
  if (rate_limits) next.rate_limits = { ...next.rate_limits, ...rate_limits };
  for (const [company, t] of Object.entries(tenants ?? {})) {
    if (t === null) delete next.tenants[company];
    else {
      const prev = next.tenants[company] ?? {};
      next.tenants[company] = {
        ...prev,
        ...t,
        ...(t.rate_limits ? { rate_limits: { ...prev.rate_limits, ...t.rate_limits } } : {}),
      };
    }
  }
  return next;
}

/** The settings that apply to one tenant: its overrides over the global values. */
export interface Effective {
  webhook_url: string;
  webhook_profile: WebhookProfile;
  payload_shape: PayloadShape;
  segmentation_mode: SegmentationMode;
  submission_status: SubmissionStatus;
  signature_required: boolean;
  requests_per_minute: number | null;
  max_concurrent_jobs: number | null;
  deviations: Deviation[];
  variations: Variation[];
}

export function effectiveFor(s: Settings, companyId: string): Effective {
  const t = s.tenants[companyId];
  return {
    webhook_url: t?.webhook_url ?? s.webhook_url,
    webhook_profile: t?.webhook_profile ?? s.webhook_profile,
    payload_shape: t?.payload_shape ?? s.payload_shape,
    segmentation_mode: t?.segmentation_mode ?? s.segmentation_mode,
    submission_status: t?.submission_status ?? s.submission_status,
    signature_required: t?.signature_required ?? s.signature_required,
    requests_per_minute:
      t?.rate_limits?.requests_per_minute !== undefined
        ? t.rate_limits.requests_per_minute
        : s.rate_limits.requests_per_minute,
    max_concurrent_jobs:
      t?.rate_limits?.max_concurrent_jobs !== undefined
        ? t.rate_limits.max_concurrent_jobs
        : s.rate_limits.max_concurrent_jobs,
    deviations: [...s.deviations, ...(t?.deviations ?? [])],
    variations: [...s.variations, ...(t?.variations ?? [])],
  };
}
