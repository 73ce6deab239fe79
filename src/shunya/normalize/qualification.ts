// Decision D14: one call-outcome category and one lead status, whichever vocabulary Shunya used.
// Shunya's enum is a lead temperature (hot/warm/cold/unqualified) with booking in `booking_status`;
// the handoff (§3.1) names combined outcomes (qualified_booked/qualified_unbooked/not_qualified).
import type { BookingStatus, CallOutcomeCategory, LeadStatus, LeadTemperature } from '../types.ts';
import { token } from './coerce.ts';

const STATUS_ALIASES: Record<string, string> = {
  qualified_and_booked: 'qualified_booked',
  qualified_but_unbooked: 'qualified_unbooked',
  qualified_not_booked: 'qualified_unbooked',
  qualified_and_service_not_offered: 'qualified_service_not_offered',
};
const BOOKING: Record<string, BookingStatus> = {
  booked: 'booked',
  not_booked: 'not_booked',
  unbooked: 'not_booked',
  service_not_offered: 'service_not_offered',
};
const CATEGORY: Record<string, CallOutcomeCategory> = {
  qualified_and_booked: 'qualified_and_booked',
  qualified_booked: 'qualified_and_booked',
  qualified_but_unbooked: 'qualified_but_unbooked',
  qualified_unbooked: 'qualified_but_unbooked',
  qualified_service_not_offered: 'qualified_service_not_offered',
  not_qualified: 'not_qualified',
};
const TEMPERATURE: Record<string, LeadTemperature> = {
  hot: 'hot',
  warm: 'warm',
  cold: 'cold',
  unqualified: 'unqualified',
  not_qualified: 'unqualified',
};

export interface QualificationInput {
  qualification_status: unknown;
  booking_status?: unknown;
  call_outcome_category?: unknown;
}

export type QualificationClass =
  | {
      ok: true;
      /** The normalised status token (`qualified_and_booked` reads as `qualified_booked`). */
      status: string;
      /** Shunya's booking_status when it sent a recognised one, else null. */
      booking_status: BookingStatus | null;
      call_outcome_category: CallOutcomeCategory;
      lead_status: LeadStatus;
      lead_temperature: LeadTemperature | null;
      lead_quality: 'qualified' | 'unqualified';
      /** Which D14 rule matched (1–5). */
      rule: 1 | 2 | 3 | 4 | 5;
    }
  | { ok: false; problem: string };

/** The normalised qualification status token, with the aliases of D14 applied. */
export function qualificationStatusToken(v: unknown): string | null {
  const t = token(v);
  return t === null ? null : (STATUS_ALIASES[t] ?? t);
}

/** Decision D14, rules 1–5, first match wins. Pure; never throws. */
export function classifyQualification(input: QualificationInput): QualificationClass {
  const s = qualificationStatusToken(input.qualification_status);
  if (s === null) return { ok: false, problem: 'qualification.qualification_status is required (§10.3)' };
  const b = BOOKING[token(input.booking_status) ?? ''] ?? null;
  const c = CATEGORY[token(input.call_outcome_category) ?? ''] ?? null;
  const lead_temperature = TEMPERATURE[s] ?? null;
  const lead_quality = s === 'unqualified' || s === 'not_qualified' ? 'unqualified' : 'qualified';
  const common = { status: s, booking_status: b, lead_temperature, lead_quality } as const;

  if (b === 'booked' || s === 'qualified_booked' || c === 'qualified_and_booked') {
    return {
      ok: true,
      ...common,
      call_outcome_category: 'qualified_and_booked',
      lead_status: 'qualified_booked',
      rule: 1,
    };
  }
  if (
    b === 'service_not_offered' ||
    s === 'qualified_service_not_offered' ||
    c === 'qualified_service_not_offered'
  ) {
    return {
      ok: true,
      ...common,
      call_outcome_category: 'qualified_service_not_offered',
      lead_status: 'qualified_service_not_offered',
      rule: 2,
    };
  }
  if (s === 'unqualified' || s === 'not_qualified') {
    return {
      ok: true,
      ...common,
      call_outcome_category: 'not_qualified',
      lead_status: 'closed_lost',
      rule: 3,
    };
  }
  if (s === 'hot' || s === 'warm' || s === 'qualified_unbooked') {
    return {
      ok: true,
      ...common,
      call_outcome_category: 'qualified_but_unbooked',
      lead_status: 'qualified_unbooked',
      rule: 4,
    };
  }
  if (s === 'cold') {
    return {
      ok: true,
      ...common,
      call_outcome_category: 'qualified_but_unbooked',
      lead_status: 'nurturing',
      rule: 5,
    };
  }
  if (c === 'qualified_but_unbooked') {
    return {
      ok: true,
      ...common,
      call_outcome_category: 'qualified_but_unbooked',
      lead_status: 'qualified_unbooked',
      rule: 4,
    };
  }
  return {
    ok: false,
    problem: `unrecognised qualification_status "${String(input.qualification_status).slice(0, 64)}"`,
  };
}
