// Calls from CallRail (§3.1). One call per CallRail call id and tenant: a repeated delivery finds it.
import type { Tx } from '../db/knex.ts';
import { type Part, part } from '../db/statement.ts';

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

/**
 * A new call with its lead, unless this CallRail call is already known (§3.1; D32), in parts of one
 * statement: the part `call` returns the call when it was inserted, and nothing for a repeated delivery.
 * A call with a phone number gets the tenant's lead for that number (created when new); one without gets a
 * lead of its own, whose id is chosen here so that the call can name it, and which is created only with the
 * call (the foreign key is checked at the end of the statement).
 */
export function newCallParts(companyId: string, c: IncomingCall, newLeadId: string): Part[] {
  const lead = c.customerPhone
    ? part(
        'lead',
        `INSERT INTO leads (company_id, customer_phone, customer_name) VALUES (?, ?, ?)
         ON CONFLICT (company_id, customer_phone) DO UPDATE SET customer_name = COALESCE(leads.customer_name, EXCLUDED.customer_name)
         RETURNING id`,
        [companyId, c.customerPhone, c.customerName],
      )
    : null;
  const call = part(
    'call',
    `INSERT INTO calls (company_id, callrail_call_id, recording_url, customer_phone, customer_name, duration_seconds,
                        direction, answered, started_at, callrail_payload, lead_id)
     SELECT ?::uuid, ?, ?, ?, ?, ?::int, ?, ?::boolean, ?::timestamptz, ?::jsonb, ${lead ? '(SELECT id FROM lead)' : '?::uuid'}
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
      ...(lead ? [] : [newLeadId]),
    ],
  );
  const ownLead = part(
    'own_lead',
    `INSERT INTO leads (id, company_id, customer_name) SELECT ?::uuid, ?::uuid, ? WHERE EXISTS (SELECT 1 FROM call)`,
    [newLeadId, companyId, c.customerName],
  );
  return lead ? [lead, call] : [call, ownLead];
}

/** A known call, locked (a repeated delivery). */
export async function lockCall(
  tx: Tx,
  companyId: string,
  callrailCallId: string,
): Promise<CallRow | undefined> {
  return (await tx('calls')
    .where({ company_id: companyId, callrail_call_id: callrailCallId })
    .forUpdate()
    .first()) as CallRow | undefined;
}

/** A later delivery brought the recording the first one lacked. */
export async function attachRecording(tx: Tx, companyId: string, callId: string, url: string): Promise<void> {
  await tx('calls')
    .where({ company_id: companyId, id: callId })
    .update({ recording_url: url, updated_at: tx.fn.now() });
}
