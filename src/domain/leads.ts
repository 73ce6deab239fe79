// Leads, one per customer phone number and tenant. Status changes only when it changes (§3.1 step 3.3).
import type { Part } from '../db/statement.ts';
import { part, when } from '../db/statement.ts';
import type { LeadStatus } from '../shunya/types.ts';
import type { EventPart } from './outbox.ts';

export interface LeadRow {
  id: string;
  company_id: string;
  customer_phone: string | null;
  customer_name: string | null;
  status: LeadStatus;
  classification: Record<string, unknown> | null;
}

/** A SQL expression with its bindings (e.g. the lead of a call, as a scalar subquery). */
export interface SqlValue {
  sql: string;
  bindings: unknown[];
}

export const leadOfCall = (companyId: string, callId: string): SqlValue => ({
  sql: '(SELECT lead_id FROM calls WHERE company_id = ? AND id = ?)',
  bindings: [companyId, callId],
});

/** The lead of the appointment a sales visit belongs to (none without an appointment). */
export const leadOfSession = (companyId: string, sessionId: string): SqlValue => ({
  sql: `(SELECT a.lead_id FROM recording_sessions s JOIN appointments a ON a.company_id = s.company_id AND a.id = s.appointment_id
         WHERE s.company_id = ? AND s.id = ?)`,
  bindings: [companyId, sessionId],
});

/**
 * Sets the lead's status when `guard` wrote and the status differs, with its lead.updated event. A won
 * deal is not reopened by a later call's classification (decision D31). The lead row is locked first, so
 * the previous status is the one replaced, and the event's id is taken after the lock (the relay's order).
 */
export function leadStatusParts(
  name: string,
  guard: string | null,
  s: {
    companyId: string;
    lead: SqlValue;
    status: LeadStatus;
    classification: Record<string, unknown>;
    source: 'call' | 'visit';
  },
): { parts: Part[]; event: EventPart } {
  const classification = JSON.stringify(s.classification);
  return {
    parts: [
      part(
        `${name}_was`,
        `SELECT id, status FROM leads WHERE company_id = ? AND id = ${s.lead.sql} AND ${when(guard)} FOR UPDATE`,
        [s.companyId, ...s.lead.bindings],
      ),
      part(
        name,
        `UPDATE leads l SET status = ?, classification = ?::jsonb, status_changed_at = now(), updated_at = now()
         FROM ${name}_was w WHERE l.id = w.id AND w.status <> ?${s.source === 'call' ? ` AND w.status <> 'closed_won'` : ''}
         RETURNING l.id, w.status AS previous`,
        [s.status, classification, s.status],
      ),
    ],
    event: {
      type: 'lead.updated',
      aggregateType: 'lead',
      from: `SELECT ?::uuid AS company_id, id AS aggregate_id,
                    jsonb_build_object('lead_id', id, 'status', ?::text, 'previous_status', previous,
                                       'classification', ?::jsonb) AS payload FROM ${name}`,
      bindings: [s.companyId, s.status, classification],
    },
  };
}
