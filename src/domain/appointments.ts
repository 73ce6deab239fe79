// Appointments: one per booked call (§3.1), and the outcome a sales visit sets (§3.2).
import type { Db, Tx } from '../db/knex.ts';
import type { MeetingOutcome } from '../shunya/types.ts';

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
