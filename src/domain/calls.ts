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
