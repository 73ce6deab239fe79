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
      /** Null when no rule matched (D75): the lead is left as it is. */
      call_outcome_category: CallOutcomeCategory | null;
      lead_status: LeadStatus | null;
      lead_temperature: LeadTemperature | null;
      /** Null for a status outside every vocabulary. */
      lead_quality: 'qualified' | 'unqualified' | null;
      /** Which D14 rule matched (1–5), or null (D75). */
      rule: 1 | 2 | 3 | 4 | 5 | null;
      /** The fields whose value is outside Otto's vocabularies (D75). */
      unrecognised: ('qualification_status' | 'booking_status' | 'call_outcome_category')[];
    }
  | { ok: false; problem: string };

/** The normalised qualification status token, with the aliases of D14 applied. */
export function qualificationStatusToken(v: unknown): string | null {
  const t = token(v);
  return t === null ? null : (STATUS_ALIASES[t] ?? t);
}

/** Every status token Otto gives a meaning to: both vocabularies (D2) and the lead-quality word (D75). */
const KNOWN_STATUSES: ReadonlySet<string> = new Set([
  ...Object.keys(TEMPERATURE),
  'qualified_booked',
  'qualified_unbooked',
  'qualified_service_not_offered',
  'qualified',
]);

const QUALIFIED_UNBOOKED = {
  call_outcome_category: 'qualified_but_unbooked',
  lead_status: 'qualified_unbooked',
  rule: 4,
} as const;

/** Decisions D14 and D75: the rule (1–5) that matches first, or none. */
function rule(s: string, b: BookingStatus | null, c: CallOutcomeCategory | null) {
  if (b === 'booked' || s === 'qualified_booked' || c === 'qualified_and_booked')
    return {
      call_outcome_category: 'qualified_and_booked',
      lead_status: 'qualified_booked',
      rule: 1,
    } as const;
  if (
    b === 'service_not_offered' ||
    s === 'qualified_service_not_offered' ||
    c === 'qualified_service_not_offered'
  )
    return {
      call_outcome_category: 'qualified_service_not_offered',
      lead_status: 'qualified_service_not_offered',
      rule: 2,
    } as const;
  if (s === 'unqualified' || s === 'not_qualified')
    return { call_outcome_category: 'not_qualified', lead_status: 'closed_lost', rule: 3 } as const;
  // D75: the handoff's lead-quality word `qualified` (§3.1 step 5, §10.1) with not_booked means the same
  if (s === 'hot' || s === 'warm' || s === 'qualified_unbooked' || (s === 'qualified' && b === 'not_booked'))
    return QUALIFIED_UNBOOKED;
  if (s === 'cold')
    return { call_outcome_category: 'qualified_but_unbooked', lead_status: 'nurturing', rule: 5 } as const;
  if (c === 'qualified_but_unbooked') return QUALIFIED_UNBOOKED;
  return { call_outcome_category: null, lead_status: null, rule: null } as const;
}

/**
 * Decision D14, rules 1–5, first match wins; pure, never throws. Only a missing status is unusable (§10.3):
 * values outside every vocabulary are reported in `unrecognised`, and a classification no rule gives is
 * null (D75), never a reason to throw the analysis away.
 */
export function classifyQualification(input: QualificationInput): QualificationClass {
  const s = qualificationStatusToken(input.qualification_status);
  if (s === null) return { ok: false, problem: 'qualification.qualification_status is required (§10.3)' };
  const b = BOOKING[token(input.booking_status) ?? ''] ?? null;
  const c = CATEGORY[token(input.call_outcome_category) ?? ''] ?? null;
  const known = KNOWN_STATUSES.has(s);
  const unrecognised: ('qualification_status' | 'booking_status' | 'call_outcome_category')[] = [];
  if (!known) unrecognised.push('qualification_status');
  if (b === null && present(input.booking_status)) unrecognised.push('booking_status');
  if (c === null && present(input.call_outcome_category)) unrecognised.push('call_outcome_category');
  const matched = rule(s, b, c);
  const unqualified = s === 'unqualified' || s === 'not_qualified';
  return {
    ok: true,
    status: s,
    booking_status: b,
    lead_temperature: TEMPERATURE[s] ?? null,
    // the status decides the quality (D14); an unknown status only when a booking signal says qualified
    lead_quality: unqualified ? 'unqualified' : known || matched.rule !== null ? 'qualified' : null,
    ...matched,
    unrecognised,
  };
}

const present = (v: unknown) => v !== undefined && v !== null;
