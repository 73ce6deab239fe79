// An operator's retry of a failed or timed-out job (ops API, D37): back in line from the stage where it
// stopped (transitions/operator-retry.ts), then admitted when a slot and the quota allow.
import { retryConflicts } from '../db/tx.ts';
import { admitTenant } from './admission.ts';
import type { PipelineDeps } from './deps.ts';
import { type OperatorRetry, retryByOperator } from './transitions/index.ts';

export async function retryJob(
  deps: Pick<PipelineDeps, 'db' | 'config' | 'clock'>,
  jobId: string,
): Promise<OperatorRetry> {
  const r = await retryConflicts(() => retryByOperator(deps.db, jobId));
  if (r.kind !== 'ok') return r;
  const admitted = await admitTenant(deps, r.job.company_id);
  return admitted.includes(r.job.id)
    ? { kind: 'ok', job: { ...r.job, job_status: 'running', attempts: r.job.attempts + 1 } }
    : r;
}
