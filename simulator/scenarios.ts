// Per-call scenario overrides: force what a call's conversation leads to (qualification, booking,
// meeting outcome, objections), how its audio looks, and which of its operations fail. A scenario is
// read when the call is transcribed (content) and when each job is created (failures).
import { z } from 'zod';
import { OBJECTION_CATEGORIES } from '../generated/shunya/contract.ts';
import { VERTICAL_KEYS } from './content/verticals.ts';

export const QUALIFICATIONS = [
  'hot',
  'warm',
  'cold',
  'unqualified',
  'qualified_booked',
  'qualified_unbooked',
  'qualified_service_not_offered',
  'not_qualified',
] as const;
export const BOOKINGS = ['booked', 'not_booked', 'service_not_offered'] as const;
export const OUTCOMES = ['won', 'lost', 'pending', 'no_show', 'rescheduled'] as const;
export type ObjectionCategory = (typeof OBJECTION_CATEGORIES)[number];

const FailureSchema = z.union([
  z.boolean(),
  z.object({
    error_code: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/)
      .optional(),
    message: z.string().optional(),
    retryable: z.boolean().optional(),
  }),
]);
export type Failure = z.infer<typeof FailureSchema>;

export const ScenarioSchema = z
  .object({
    qualification: z.enum(QUALIFICATIONS),
    booking: z.enum(BOOKINGS),
    outcome: z.enum(OUTCOMES),
    vertical: z.enum(VERTICAL_KEYS),
    objections: z.array(z.enum(OBJECTION_CATEGORIES)).max(5),
    audio_duration_s: z.number().positive(),
    audio_size_bytes: z.number().int().positive(),
    payload_shape: z.enum(['handoff', 'shunya']),
    fail: z
      .object({ transcription: FailureSchema, analysis: FailureSchema, segmentation: FailureSchema })
      .partial(),
  })
  .partial();
export type Scenario = z.infer<typeof ScenarioSchema>;

export const ScenarioEntrySchema = ScenarioSchema.extend({
  company_id: z.string().min(1),
  call_id: z.number().int().min(1),
});
export type ScenarioEntry = z.infer<typeof ScenarioEntrySchema>;

export class ScenarioStore {
  private byCall = new Map<string, Scenario>();

  private static key(companyId: string, callId: number) {
    return `${companyId}\u0000${callId}`;
  }

  get(companyId: string, callId: number): Scenario | undefined {
    return this.byCall.get(ScenarioStore.key(companyId, callId));
  }

  set(companyId: string, callId: number, scenario: Scenario): void {
    this.byCall.set(ScenarioStore.key(companyId, callId), scenario);
  }

  delete(companyId: string, callId: number): boolean {
    return this.byCall.delete(ScenarioStore.key(companyId, callId));
  }

  list(): ScenarioEntry[] {
    return [...this.byCall].map(([k, s]) => {
      const [company_id, call] = k.split('\u0000') as [string, string];
      return { company_id, call_id: Number(call), ...s };
    });
  }

  clear(): void {
    this.byCall.clear();
  }
}
