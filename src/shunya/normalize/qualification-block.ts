// The qualification block of a complete analysis (§4.3; decisions D2, D9, D14).
import type { BantScores, BookingStatus, Qualification } from '../types.ts';
import { asRecord, bool, get, isoDate, type Rec, text } from './coerce.ts';
import type { Notes } from './notes.ts';
import { appointmentType } from './outcome.ts';
import { classifyQualification } from './qualification.ts';
import { unitScore } from './scores.ts';

/** Booking status implied by the category when Shunya sent none (D14). */
const IMPLIED_BOOKING: Record<string, BookingStatus | null> = {
  qualified_and_booked: 'booked',
  qualified_service_not_offered: 'service_not_offered',
  qualified_but_unbooked: 'not_booked',
  not_qualified: null,
};

export function readQualification(r: Rec, n: Notes): Qualification | null {
  const q = asRecord(get(r, 'qualification'));
  if (!q) {
    n.absent('qualification');
    n.problem('qualification.qualification_status is required (§10.3)');
    return null;
  }
  const rawStatus = get(q, 'qualification_status');
  if (rawStatus !== undefined && rawStatus !== null && typeof rawStatus !== 'string') {
    n.invalid('qualification.qualification_status');
  }
  const c = classifyQualification({
    qualification_status: typeof rawStatus === 'string' ? rawStatus : undefined,
    booking_status: get(q, 'booking_status'),
    call_outcome_category: get(q, 'call_outcome_category'),
  });
  if (!c.ok) {
    if (rawStatus === undefined || rawStatus === null) n.absent('qualification.qualification_status');
    n.problem(c.problem);
    return null;
  }
  // D75: a value outside the vocabularies is kept as received and flagged, never a reason to drop the result
  for (const field of c.unrecognised)
    n.outside(`qualification.${field}`, `qualification.${field}`, get(q, field));
  let booking_status = c.booking_status;
  if (booking_status === null && c.call_outcome_category !== null) {
    booking_status = IMPLIED_BOOKING[c.call_outcome_category] ?? null;
    if (booking_status !== null) n.filled('qualification.booking_status');
  }
  const entities = asRecord(get(r, 'entities'));
  // D18: qualification.appointment_date ?? entities.appointment_date ?? entities.scheduled_time.
  const appointment_date =
    isoDate(get(q, 'appointment_date')) ??
    isoDate(get(entities, 'appointment_date')) ??
    isoDate(get(entities, 'scheduled_time'));
  return {
    qualification_status: (rawStatus as string).trim(),
    lead_temperature: c.lead_temperature,
    booking_status,
    call_outcome_category: c.call_outcome_category,
    lead_status: c.lead_status,
    lead_quality: c.lead_quality,
    bant_scores: readBant(get(q, 'bant_scores'), n),
    overall_score: n.opt('qualification.overall_score', get(q, 'overall_score'), unitScore),
    confidence_score: n.opt('qualification.confidence_score', get(q, 'confidence_score'), unitScore),
    decision_makers: n.list('qualification.decision_makers', get(q, 'decision_makers')),
    urgency_signals: n.list('qualification.urgency_signals', get(q, 'urgency_signals')),
    budget_indicators: n.list('qualification.budget_indicators', get(q, 'budget_indicators')),
    appointment_confirmed: n.opt(
      'qualification.appointment_confirmed',
      get(q, 'appointment_confirmed'),
      bool,
    ),
    appointment_date,
    appointment_type: n.enumOpt(
      'qualification.appointment_type',
      'qualification.appointment_type',
      get(q, 'appointment_type'),
      appointmentType,
    ),
    service_requested: n.opt('qualification.service_requested', get(q, 'service_requested'), text),
  };
}

function readBant(raw: unknown, n: Notes): BantScores | null {
  const b = asRecord(raw);
  if (!b) {
    if (raw === undefined || raw === null) n.absent('qualification.bant_scores');
    else n.invalid('qualification.bant_scores');
    return null;
  }
  const score = (k: keyof BantScores) => n.opt(`qualification.bant_scores.${k}`, get(b, k), unitScore);
  return {
    budget: score('budget'),
    authority: score('authority'),
    need: score('need'),
    timeline: score('timeline'),
  };
}
