// Appointments: one per booked call (§3.1), and the outcome a sales visit sets (§3.2).
import type { Db, Tx } from '../db/knex.ts';
import type { AppointmentType, MeetingOutcome } from '../shunya/types.ts';
import type { NewEvent } from './outbox.ts';

export async function createAppointmentForCall(
  tx: Tx,
  companyId: string,
  a: { leadId: string | null; callId: string; scheduledAt: string | null; type: AppointmentType | null },
): Promise<NewEvent | null> {
  const res = await tx.raw(
    `INSERT INTO appointments (company_id, lead_id, call_id, scheduled_at, appointment_type)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (company_id, call_id) WHERE call_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [companyId, a.leadId, a.callId, a.scheduledAt, a.type],
  );
  const id = res.rows[0]?.id as string | undefined;
  if (!id) return null;
  return {
    type: 'appointment.created',
    companyId,
    aggregateType: 'appointment',
    aggregateId: id,
    data: { appointment_id: id, lead_id: a.leadId, call_id: a.callId, scheduled_at: a.scheduledAt },
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

/** Sets the outcome if it changes; a decided outcome also completes the appointment. */
export async function setAppointmentOutcome(
  tx: Tx,
  companyId: string,
  appointmentId: string,
  outcome: MeetingOutcome,
): Promise<NewEvent | null> {
  const current = (await tx('appointments')
    .where({ company_id: companyId, id: appointmentId })
    .forUpdate()
    .first()) as AppointmentRow | undefined;
  if (!current || current.outcome === outcome) return null;
  const status = outcome === 'won' || outcome === 'lost' || outcome === 'no_show' ? 'completed' : 'scheduled';
  await tx('appointments')
    .where({ company_id: companyId, id: appointmentId })
    .update({ outcome, status, outcome_updated_at: tx.fn.now(), updated_at: tx.fn.now() });
  return {
    type: 'appointment.outcome_updated',
    companyId,
    aggregateType: 'appointment',
    aggregateId: appointmentId,
    data: { appointment_id: appointmentId, outcome, previous_outcome: current.outcome },
  };
}
