// An operator's retry of a failed or timed-out job (ops API, D37, D81): back in line from the stage where
// it stopped, `pending` with its attempts reset (transitions/operator-retry.ts), which is what the answer
// says; the tenant's admission then runs at once and makes it `running` when a slot and the quota allow.
import { retryConflicts } from '../db/tx.ts';
import { admitTenant } from './admission.ts';
import type { PipelineDeps } from './deps.ts';
import { type OperatorRetry, retryByOperator } from './transitions/index.ts';

export async function retryJob(
  deps: Pick<PipelineDeps, 'db' | 'config' | 'clock'>,
  jobId: string,
): Promise<OperatorRetry> {
  const r = await retryConflicts(() => retryByOperator(deps.db, jobId));
  if (r.kind === 'ok') await admitTenant(deps, r.job.company_id);
  return r;
}
