// Appointments: one per booked call (§3.1), and the outcome a sales visit sets (§3.2).
import type { Db, Tx } from '../db/knex.ts';
import { type Part, part, when } from '../db/statement.ts';
import type { AppointmentType, MeetingOutcome } from '../shunya/types.ts';
import type { EventPart } from './outbox.ts';

/** A booked call's appointment (with the call's lead) when `guard` wrote, once per call; appointment.created. */
export function appointmentForCallParts(
  name: string,
  guard: string | null,
  companyId: string,
  a: { callId: string; scheduledAt: string | null; type: AppointmentType | null },
): { part: Part; event: EventPart } {
  return {
    part: part(
      name,
      `INSERT INTO appointments (company_id, lead_id, call_id, scheduled_at, appointment_type)
       SELECT c.company_id, c.lead_id, c.id, ?::timestamptz, ? FROM calls c
       WHERE c.company_id = ? AND c.id = ? AND ${when(guard)}
       ON CONFLICT (company_id, call_id) WHERE call_id IS NOT NULL DO NOTHING
       RETURNING id, lead_id`,
      [a.scheduledAt, a.type, companyId, a.callId],
    ),
    event: {
      type: 'appointment.created',
      aggregateType: 'appointment',
      from: `SELECT ?::uuid AS company_id, id AS aggregate_id,
                    jsonb_build_object('appointment_id', id, 'lead_id', lead_id, 'call_id', ?::uuid,
                                       'scheduled_at', ?::text) AS payload FROM ${name}`,
      bindings: [companyId, a.callId, a.scheduledAt],
    },
  };
}

export interface AppointmentRow {
  id: string;
  lead_id: string | null;
  outcome: MeetingOutcome | null;
}

export async function findAppointment(
  tx: Tx | Db,
  companyId: string,
  id: string,
): Promise<AppointmentRow | undefined> {
  return (await tx('appointments').where({ company_id: companyId, id }).first()) as
    | AppointmentRow
    | undefined;
}

/**
 * The outcome of the appointment a sales visit belongs to, when `guard` wrote and the outcome changes; a
 * decided outcome also completes the appointment; appointment.outcome_updated.
 */
export function appointmentOutcomeParts(
  name: string,
  guard: string | null,
  companyId: string,
  sessionId: string,
  outcome: MeetingOutcome,
): { parts: Part[]; event: EventPart } {
  const status = outcome === 'won' || outcome === 'lost' || outcome === 'no_show' ? 'completed' : 'scheduled';
  return {
    parts: [
      part(
        `${name}_was`,
        `SELECT a.id, a.outcome FROM appointments a
         JOIN recording_sessions s ON s.company_id = a.company_id AND s.appointment_id = a.id
         WHERE s.company_id = ? AND s.id = ? AND ${when(guard)} FOR UPDATE OF a`,
        [companyId, sessionId],
      ),
      part(
        name,
        `UPDATE appointments a SET outcome = ?, status = ?, outcome_updated_at = now(), updated_at = now()
         FROM ${name}_was w WHERE a.id = w.id AND w.outcome IS DISTINCT FROM ?
         RETURNING a.id, w.outcome AS previous`,
        [outcome, status, outcome],
      ),
    ],
    event: {
      type: 'appointment.outcome_updated',
      aggregateType: 'appointment',
      from: `SELECT ?::uuid AS company_id, id AS aggregate_id,
                    jsonb_build_object('appointment_id', id, 'outcome', ?::text, 'previous_outcome', previous) AS payload
             FROM ${name}`,
      bindings: [companyId, outcome],
    },
  };
}
