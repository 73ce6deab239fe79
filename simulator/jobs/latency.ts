// Latency models, in virtual seconds. A job's processing time is sampled once, when it is created.
// Defaults follow the SLAs of §11.4 (the `slow` preset): transcription ≈ 0.2 × the audio's duration
// (target 2 min per 10 min of audio) and never beyond 0.5 × (the 5-min maximum per 10 min);
// analysis ≈ 60 s (max 180 s); segmentation ≈ 120 s (max 300 s); webhook sent ≈ 3 s and at most 30 s
// after completion.
import { z } from 'zod';

const seconds = z.number().min(0);

export const LatencyModelSchema = z.discriminatedUnion('model', [
  z.object({ model: z.literal('fixed'), seconds }),
  z.object({ model: z.literal('uniform'), min_s: seconds, max_s: seconds }),
  z.object({ model: z.literal('lognormal'), median_s: seconds, sigma: seconds, max_s: seconds.optional() }),
  z.object({
    model: z.literal('audio'),
    /** Median virtual seconds of processing per second of audio. */
    factor: seconds,
    sigma: seconds.default(0),
    /** Upper bound, as a multiple of the audio's duration. */
    max_factor: seconds.optional(),
    min_s: seconds.default(0),
  }),
]);
export type LatencyModel = z.infer<typeof LatencyModelSchema>;

export const LatencySettingsSchema = z.object({
  transcription: LatencyModelSchema,
  analysis: LatencyModelSchema,
  segmentation: LatencyModelSchema,
  webhook: LatencyModelSchema,
});
export type LatencySettings = z.infer<typeof LatencySettingsSchema>;

export const SLA_LATENCY: LatencySettings = {
  transcription: { model: 'audio', factor: 0.2, sigma: 0.25, max_factor: 0.5, min_s: 2 },
  analysis: { model: 'lognormal', median_s: 60, sigma: 0.35, max_s: 180 },
  segmentation: { model: 'lognormal', median_s: 120, sigma: 0.3, max_s: 300 },
  webhook: { model: 'lognormal', median_s: 3, sigma: 0.8, max_s: 30 },
};

/** `happy`: a few virtual milliseconds everywhere ("zero simulated latency"). */
export const HAPPY_LATENCY: LatencySettings = {
  transcription: { model: 'fixed', seconds: 0.005 },
  analysis: { model: 'fixed', seconds: 0.005 },
  segmentation: { model: 'fixed', seconds: 0.005 },
  webhook: { model: 'fixed', seconds: 0 },
};

/** A standard normal variate (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Samples `model` in seconds; `audioSeconds` feeds the `audio` model. */
export function sampleLatency(model: LatencyModel, random: () => number, audioSeconds = 0): number {
  switch (model.model) {
    case 'fixed':
      return model.seconds;
    case 'uniform':
      return model.min_s + random() * Math.max(0, model.max_s - model.min_s);
    case 'lognormal': {
      const v = model.median_s * Math.exp(model.sigma * gaussian(random));
      return model.max_s === undefined ? v : Math.min(v, model.max_s);
    }
    case 'audio': {
      let v = model.factor * audioSeconds * Math.exp(model.sigma * gaussian(random));
      if (model.max_factor !== undefined) v = Math.min(v, model.max_factor * audioSeconds);
      return Math.max(v, model.min_s);
    }
  }
}
