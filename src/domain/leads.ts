// Leads, one per customer phone number and tenant. Status changes only when it changes (§3.1 step 3.3).
import type { Tx } from '../db/knex.ts';
import type { LeadStatus } from '../shunya/types.ts';
import type { NewEvent } from './outbox.ts';

export interface LeadRow {
  id: string;
  company_id: string;
  customer_phone: string | null;
  customer_name: string | null;
  status: LeadStatus;
  classification: Record<string, unknown> | null;
}

/** The lead for this phone number, created when new. A call without a phone number gets a lead of its own. */
export async function findOrCreateLead(
  tx: Tx,
  companyId: string,
  phone: string | null,
  name: string | null,
): Promise<LeadRow> {
  if (phone) {
    const inserted = await tx.raw(
      `INSERT INTO leads (company_id, customer_phone, customer_name) VALUES (?, ?, ?)
       ON CONFLICT (company_id, customer_phone) DO UPDATE SET customer_name = COALESCE(leads.customer_name, EXCLUDED.customer_name)
       RETURNING *`,
      [companyId, phone, name],
    );
    return inserted.rows[0] as LeadRow;
  }
  const [row] = await tx('leads').insert({ company_id: companyId, customer_name: name }).returning('*');
  return row as LeadRow;
}

/**
 * Sets a lead's status if it differs, returning the lead.updated event to emit (or none). A won deal is
 * not reopened by a later call's classification (decision D31).
 */
export async function setLeadStatus(
  tx: Tx,
  companyId: string,
  leadId: string,
  status: LeadStatus,
  classification: Record<string, unknown>,
  source: 'call' | 'visit',
): Promise<NewEvent | null> {
  const lead = (await tx('leads').where({ company_id: companyId, id: leadId }).forUpdate().first()) as
    | LeadRow
    | undefined;
  if (!lead || lead.status === status) return null;
  if (source === 'call' && lead.status === 'closed_won') return null;
  await tx('leads')
    .where({ company_id: companyId, id: leadId })
    .update({
      status,
      classification: JSON.stringify(classification),
      status_changed_at: tx.fn.now(),
      updated_at: tx.fn.now(),
    });
  return {
    type: 'lead.updated',
    companyId,
    aggregateType: 'lead',
    aggregateId: leadId,
    data: { lead_id: leadId, status, previous_status: lead.status, classification },
  };
}
