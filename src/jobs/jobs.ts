// An operator's retry of a failed or timed-out job (ops API, D37, D81): back in line from the stage where
// it stopped, `pending` with its attempts reset (transitions/retry-by-operator.ts), which is what the answer
// says; the tenant's admission then runs at once and makes it `running` when a slot and the quota allow.
import type { Tx } from '../db/knex.ts';
import { transaction } from '../db/tx.ts';
import { admitTenant } from './admission.ts';
import type { PipelineDeps } from './deps.ts';
import { type OperatorRetry, retryByOperator } from './transitions/index.ts';

export async function retryJob(
  deps: Pick<PipelineDeps, 'db' | 'config' | 'clock'>,
  jobId: string,
  /** written in the retry's own transaction (the operator's audit record, D116) */
  alsoInTransaction?: (tx: Tx, r: OperatorRetry) => Promise<void>,
): Promise<OperatorRetry> {
  const r = await transaction(deps.db, async (tx) => {
    const result = await retryByOperator(tx, jobId);
    await alsoInTransaction?.(tx, result);
    return result;
  });
  if (r.kind === 'ok') await admitTenant(deps, r.job.company_id);
  return r;
}
