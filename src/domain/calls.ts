// Calls from CallRail (§3.1). One call per CallRail call id and tenant: a repeated delivery finds it.
import type { Tx } from '../db/knex.ts';

export interface CallRow {
  id: string;
  company_id: string;
  shunya_call_id: number;
  callrail_call_id: string;
  lead_id: string | null;
  recording_url: string | null;
  customer_phone: string | null;
  customer_name: string | null;
  duration_seconds: number | null;
  created_at: Date;
}

export interface IncomingCall {
  callrailCallId: string;
  recordingUrl: string | null;
  customerPhone: string | null;
  customerName: string | null;
  durationSeconds: number | null;
  direction: string | null;
  answered: boolean | null;
  startedAt: string | null;
  payload: Record<string, unknown>;
}

/** Inserts the call unless this CallRail call is already known; returns the row and whether it is new. */
export async function insertCallOnce(
  tx: Tx,
  companyId: string,
  c: IncomingCall,
): Promise<{ call: CallRow; created: boolean }> {
  const inserted = await tx.raw(
    `INSERT INTO calls (company_id, callrail_call_id, recording_url, customer_phone, customer_name, duration_seconds,
                        direction, answered, started_at, callrail_payload)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (company_id, callrail_call_id) DO NOTHING
     RETURNING *`,
    [
      companyId,
      c.callrailCallId,
      c.recordingUrl,
      c.customerPhone,
      c.customerName,
      c.durationSeconds,
      c.direction,
      c.answered,
      c.startedAt,
      JSON.stringify(c.payload),
    ],
  );
  if (inserted.rows.length > 0) return { call: inserted.rows[0] as CallRow, created: true };
  const existing = (await tx('calls')
    .where({ company_id: companyId, callrail_call_id: c.callrailCallId })
    .forUpdate()
    .first()) as CallRow;
  return { call: existing, created: false };
}

export async function setCallLead(tx: Tx, companyId: string, callId: string, leadId: string): Promise<void> {
  await tx('calls')
    .where({ company_id: companyId, id: callId })
    .update({ lead_id: leadId, updated_at: tx.fn.now() });
}

/** A later delivery brought the recording the first one lacked. */
export async function attachRecording(tx: Tx, companyId: string, callId: string, url: string): Promise<void> {
  await tx('calls')
    .where({ company_id: companyId, id: callId })
    .update({ recording_url: url, updated_at: tx.fn.now() });
}
