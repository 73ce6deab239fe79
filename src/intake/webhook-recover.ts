// Recover (issue 20 item 4; D271, D272): the jobs whose webhooks Otto refused or failed to apply are
// finished by READING their results from Shunya: the live operation's poll (otto_poll) is scheduled at once,
// and completes through the one exactly-once path (steps/complete.ts). Never a new submission.
import type { OperationKind, WebhookVerdict } from '../../generated/otto/types.gen.ts';
import type { Db, Tx } from '../db/knex.ts';
import { pollNow } from '../jobs/store.ts';
import { attributedDeliveries } from '../jobs/webhook-attribution.ts';

/**
 * The verdicts of a delivery whose result Otto did not apply (D271): every refusal and `error`. Not
 * `processed`/`already_processed` (applied), `acknowledged` (no result in it, or Otto already polls for
 * it) nor `deferred` (its submission polls at once by itself).
 */
export const UNAPPLIED_VERDICTS: readonly WebhookVerdict[] = [
  'missing_headers',
  'bad_signature',
  'stale_timestamp',
  'invalid_json',
  'missing_company_id',
  'unknown_job',
  'company_mismatch',
  'invalid_payload',
  'error',
];

/** More than this many jobs in one recover is refused: the operator narrows `since`. */
export const RECOVER_MAX = 1000;

export interface RecoverFilter {
  since: string;
  companyId?: string;
}

export interface RecoverCandidate {
  job_id: string;
  operation_id: string;
  kind: OperationKind;
  company_id: string;
}

/**
 * The operations that an unapplied delivery since `since` was about and that are still live and waiting
 * (`submitted`, their job not finished): the job is unfinished for that stage. At most `limit`, newest
 * job first.
 */
export async function recoverCandidates(
  db: Db | Tx,
  f: RecoverFilter,
  limit: number,
): Promise<RecoverCandidate[]> {
  const about = attributedDeliveries(db)
    .distinct('operation_id')
    .whereIn('verdict', UNAPPLIED_VERDICTS as WebhookVerdict[])
    .where('received_at', '>=', f.since)
    .whereNotNull('operation_id');
  const q = db('shunya_operations as o')
    .join('shunya_jobs as j', 'j.id', 'o.job_id')
    .select('o.job_id', 'o.id as operation_id', 'o.kind', 'o.company_id')
    .whereIn('o.id', about)
    .where('o.status', 'submitted')
    .whereNotIn('j.job_status', ['succeeded', 'failed', 'timeout'])
    .orderBy([
      { column: 'j.created_at', order: 'desc' },
      { column: 'o.id', order: 'desc' },
    ])
    .limit(limit);
  if (f.companyId) q.where('o.company_id', f.companyId);
  return (await q) as RecoverCandidate[];
}

/** Schedules each candidate's poll now (the same job key as every poll: one per operation). */
export async function scheduleRecoveryPolls(tx: Tx, candidates: RecoverCandidate[]): Promise<void> {
  for (const c of candidates) await pollNow(tx, c.operation_id);
}
