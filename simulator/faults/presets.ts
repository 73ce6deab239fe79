// Presets: named bundles of latency, faults and rate limits. Applying one replaces every fault rule and
// the global rate limits; `happy` and `slow` also set the latency models, the others keep whatever
// latency is set (so `happy` then `flaky` is fast and flaky). Webhook URL, profiles, payload shape,
// segmentation mode and time scale are never touched.
import { z } from 'zod';
import { HAPPY_LATENCY, type LatencySettings, SLA_LATENCY } from '../jobs/latency.ts';
import {
  type FaultKind,
  type FaultRuleInput,
  PAYLOAD_FAULTS,
  REQUEST_FAULTS,
  WEBHOOK_FAULTS,
} from './rules.ts';

export const PRESET_NAMES = ['happy', 'slow', 'flaky', 'outage', 'chaos'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PresetOptionsSchema = z
  .object({
    /** outage: how many virtual seconds every request is answered 503 (default 60). */
    seconds: z.number().min(0),
    /** flaky, chaos: share of requests (and of webhooks, and of jobs) hit by a fault. */
    rate: z.number().min(0).max(1),
    /** flaky, outage, chaos: also set the latency models. */
    latency: z.enum(['happy', 'slow']),
  })
  .partial();
export type PresetOptions = z.infer<typeof PresetOptionsSchema>;

export interface PresetPlan {
  latency?: LatencySettings;
  rateLimits: { requests_per_minute: number | null; max_concurrent_jobs: number | null };
  faults: FaultRuleInput[];
}

const NO_LIMITS = { requests_per_minute: null, max_concurrent_jobs: null };

/** Every fault kind, spread so that about `rate` of requests, webhooks and jobs are hit. */
function mixed(name: string, rate: number, hang: boolean): FaultRuleInput[] {
  const label = `preset:${name}`;
  const terminal = REQUEST_FAULTS.filter((k) => k !== 'latency' && (hang || k !== 'hang'));
  // First hit wins among terminal faults: split the rate so that 1 - Π(1 - p) ≈ rate.
  const p = 1 - (1 - rate) ** (1 / (terminal.length + 1));
  const request = (
    kind: FaultKind,
    params: FaultRuleInput['params'] = {},
    probability = p,
  ): FaultRuleInput => ({
    kind,
    probability,
    params,
    label,
  });
  return [
    request('latency', { delay: { model: 'lognormal', median_ms: 150, sigma: 1, max_ms: 5000 } }, rate),
    request('error', { status: 500, retryable: true }),
    request('error', { status: 500, retryable: false, error_code: 'PERMANENT_FAILURE' }, p / 4),
    request('error', { status: 503, retryable: true, retry_after_s: 1 }),
    request('rate_limit', { retry_after_s: 1 }),
    ...(hang ? [request('hang', { max_ms: 35_000 }, p / 4)] : []),
    request('reset'),
    request('malformed_json'),
    request('success_false'),
    ...PAYLOAD_FAULTS.map((kind) => ({ kind, probability: rate / PAYLOAD_FAULTS.length, label })),
    ...WEBHOOK_FAULTS.map((kind) => ({
      kind,
      probability: rate / WEBHOOK_FAULTS.length,
      params: kind === 'webhook_delay' ? { delay_s: 30 } : {},
      label,
    })),
    { kind: 'job_failure', probability: rate / 3, label },
  ];
}

export function presetPlan(name: PresetName, options: PresetOptions = {}): PresetPlan {
  const latency =
    options.latency === 'happy' ? HAPPY_LATENCY : options.latency === 'slow' ? SLA_LATENCY : undefined;
  switch (name) {
    case 'happy':
      return { latency: latency ?? HAPPY_LATENCY, rateLimits: NO_LIMITS, faults: [] };
    case 'slow':
      return { latency: latency ?? SLA_LATENCY, rateLimits: NO_LIMITS, faults: [] };
    case 'flaky':
      return {
        ...(latency ? { latency } : {}),
        rateLimits: NO_LIMITS,
        faults: mixed(name, options.rate ?? 0.1, false),
      };
    case 'outage': {
      const seconds = options.seconds ?? 60;
      return {
        ...(latency ? { latency } : {}),
        rateLimits: NO_LIMITS,
        faults: [
          {
            kind: 'error',
            operations: ['http'],
            duration_s: seconds,
            params: {
              status: 503,
              retryable: true,
              error_code: 'SERVICE_UNAVAILABLE',
              retry_after_s: Math.ceil(Math.min(seconds, 30)),
            },
            label: 'preset:outage',
          },
        ],
      };
    }
    case 'chaos':
      return {
        ...(latency ? { latency } : {}),
        rateLimits: { requests_per_minute: 1200, max_concurrent_jobs: 50 },
        faults: mixed(name, options.rate ?? 0.3, true),
      };
  }
}
