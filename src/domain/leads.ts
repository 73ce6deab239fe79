// Leads, one per customer phone number and tenant. Their status is set by the stage statements that analyse a
// call or a visit (jobs/transitions/stages/), only when it changes (§3.1 step 3.3).
import type { LeadStatus } from '../shunya/types.ts';

export interface LeadRow {
  id: string;
  company_id: string;
  customer_phone: string | null;
  customer_name: string | null;
  status: LeadStatus;
  classification: Record<string, unknown> | null;
}
