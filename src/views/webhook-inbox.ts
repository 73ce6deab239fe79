// The webhook inbox per tenant and per job (issue 20 item 4; D270): every delivery, newest first, never its
// body (D85). A refused delivery is stored without a job or tenant (the receiver could not trust it); it is
// shown against the operation carrying the Shunya job id it named, in its body or its X-Shunya-Task-Id.
import type { WebhookVerdict } from '../../generated/otto/types.gen.ts';
import type { Db } from '../db/knex.ts';
import { attributedDeliveries } from '../jobs/webhook-attribution.ts';

export interface InboxRow {
  id: string;
  received_at: Date;
  verdict: WebhookVerdict;
  http_status: number;
  body_bytes: number;
  body_sha256: string;
  profile: 'handoff' | 'shunya' | null;
  duration_ms: number | null;
  shunya_job_id: string | null;
  job_id: string | null;
  company_id: string | null;
}

export interface InboxFilter {
  companyId?: string;
  jobId?: string;
  verdict?: WebhookVerdict;
  since?: string;
  before?: { receivedAt: string; id: string };
  limit: number;
}

/** At most `limit + 1` deliveries, newest first (the extra one tells the caller there is a next page). */
export async function listInbox(db: Db, f: InboxFilter): Promise<InboxRow[]> {
  return (await inboxQuery(db, f)) as InboxRow[];
}

/** The inbox's query, unrun (its plan is checked by a test, D383). */
export function inboxQuery(db: Db, f: InboxFilter) {
  const q = attributedDeliveries(db, { companyId: f.companyId, jobId: f.jobId })
    .select(
      'id',
      'received_at',
      'verdict',
      'http_status',
      'body_bytes',
      'body_sha256',
      'profile',
      'duration_ms',
      'shunya_job_id',
      'job_id',
      'company_id',
    )
    .orderBy([
      { column: 'received_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(f.limit + 1);
  if (f.companyId) q.where('company_id', f.companyId);
  if (f.jobId) q.where('job_id', f.jobId);
  if (f.verdict) q.where('verdict', f.verdict);
  if (f.since) q.where('received_at', '>=', f.since);
  if (f.before)
    q.whereRaw('(received_at, id) < (?::timestamptz, ?::uuid)', [f.before.receivedAt, f.before.id]);
  return q;
}
