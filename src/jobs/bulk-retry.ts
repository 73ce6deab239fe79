// An operator's bulk retry (D260): a preview pins a set of jobs (bulk_retries.job_ids) and its execution
// retries exactly that set through the operator-retry transition, one job after another in ONE
// transaction, with one audit entry written in it by the caller; the result is kept on the row, so that
// a second execution answers it again instead of retrying anew (D261).
import type { Db, Tx } from '../db/knex.ts';
import { transaction } from '../db/tx.ts';
import { admitTenant } from './admission.ts';
import type { PipelineDeps } from './deps.ts';
import type { JobStatus } from './model.ts';
import { retryByOperator } from './transitions/index.ts';

/** A preview is executable for this long; after it, what it showed may be stale (D260). */
export const PREVIEW_TTL_MINUTES = 30;
/** The most jobs one bulk retry takes, so that its one transaction stays short (D260). */
export const BULK_RETRY_MAX = 1000;

export interface BulkRetryRow {
  id: string;
  created_at: Date;
  expires_at: Date;
  previewed_by: string;
  filter: Record<string, unknown>;
  job_ids: string[];
  executed_at: Date | null;
  executed_by: string | null;
  result: BulkRetryOutcome | null;
}

export interface BulkRetryOutcome {
  retried: string[];
  skipped: { id: string; job_status: JobStatus }[];
}

export async function pinBulkRetry(
  db: Db,
  by: string,
  filter: Record<string, unknown>,
  jobIds: string[],
): Promise<BulkRetryRow> {
  const [row] = await db('bulk_retries')
    .insert({
      previewed_by: by,
      filter: JSON.stringify(filter),
      job_ids: jobIds,
      expires_at: db.raw(`now() + (? * interval '1 minute')`, [PREVIEW_TTL_MINUTES]),
    })
    .returning('*');
  return row as BulkRetryRow;
}

export type BulkRetryExecution =
  | { kind: 'done'; row: BulkRetryRow; repeated: boolean }
  | { kind: 'not_found' }
  | { kind: 'expired'; row: BulkRetryRow };

async function retryEach(tx: Tx, jobIds: string[]) {
  const outcome: BulkRetryOutcome = { retried: [], skipped: [] };
  const companies = new Set<string>();
  // in id order, as any other bulk locker would, so that two of them cannot deadlock on each other
  for (const id of [...jobIds].sort()) {
    const r = await retryByOperator(tx, id);
    if (r.kind === 'ok') {
      outcome.retried.push(id);
      companies.add(r.job.company_id);
    } else if (r.kind === 'not_retryable') outcome.skipped.push({ id, job_status: r.status });
    // a pinned job deleted since (the tenant's data pruned) is neither: nothing to retry or report
  }
  return { outcome, companies };
}

/**
 * Executes the preview `id` once: the row is locked, so a concurrent second click waits and then finds it
 * executed. `audit` writes the one audit entry in the same transaction.
 */
export async function executeBulkRetry(
  deps: Pick<PipelineDeps, 'db' | 'config' | 'clock'>,
  id: string,
  by: string,
  audit: (tx: Tx, row: BulkRetryRow) => Promise<void>,
): Promise<BulkRetryExecution> {
  const r = await transaction(deps.db, async (tx) => {
    // the database's clock, which also set expires_at
    const found = (await tx('bulk_retries')
      .where({ id })
      .forUpdate()
      .first('*', tx.raw('expires_at <= now() AS expired'))) as
      | (BulkRetryRow & { expired: boolean })
      | undefined;
    if (!found) return { kind: 'not_found' as const };
    const { expired, ...row } = found;
    if (row.executed_at) return { kind: 'done' as const, row, repeated: true, companies: new Set<string>() };
    if (expired) return { kind: 'expired' as const, row };
    const { outcome, companies } = await retryEach(tx, row.job_ids);
    const [done] = await tx('bulk_retries')
      .where({ id })
      .update({ executed_at: tx.fn.now(), executed_by: by, result: JSON.stringify(outcome) })
      .returning('*');
    await audit(tx, done as BulkRetryRow);
    return { kind: 'done' as const, row: done as BulkRetryRow, repeated: false, companies };
  });
  if (r.kind !== 'done') return r;
  for (const companyId of r.companies) await admitTenant(deps, companyId);
  return { kind: 'done', row: r.row, repeated: r.repeated };
}
