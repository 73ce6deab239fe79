// Meeting outcome of a sales visit (§6.2, §10.1; decision D9): won/lost/pending/no_show/rescheduled.
import { own } from '../../util/own.ts';
import type { AppointmentType, MeetingOutcome, Severity } from '../types.ts';
import { token } from './coerce.ts';

const OUTCOMES: Record<string, MeetingOutcome> = {
  won: 'won',
  win: 'won',
  closed_won: 'won',
  lost: 'lost',
  loss: 'lost',
  closed_lost: 'lost',
  pending: 'pending',
  no_show: 'no_show',
  noshow: 'no_show',
  rescheduled: 'rescheduled',
  reschedule: 'rescheduled',
};

/** "Won ", "No Show", "no-show", "closed_won" … → the canonical outcome; anything else → null. */
export function meetingOutcome(v: unknown): MeetingOutcome | null {
  return own(OUTCOMES, token(v) ?? '') ?? null;
}

const SEVERITIES: Record<string, Severity> = { low: 'low', medium: 'medium', med: 'medium', high: 'high' };

/** low/medium/high, any case. */
export function severity(v: unknown): Severity | null {
  return own(SEVERITIES, token(v) ?? '') ?? null;
}

const APPOINTMENT_TYPES: Record<string, AppointmentType> = {
  in_person: 'in-person',
  inperson: 'in-person',
  onsite: 'in-person',
  on_site: 'in-person',
  virtual: 'virtual',
  video: 'virtual',
  phone: 'phone',
};

/** Shunya's AppointmentType: in-person/virtual/phone ("In Person" and "in_person" read as in-person). */
export function appointmentType(v: unknown): AppointmentType | null {
  return own(APPOINTMENT_TYPES, token(v) ?? '') ?? null;
}
