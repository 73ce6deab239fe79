// Per-tenant admission (§11.1, §11.2; D34, D97, D98) as the pipeline runs it: after every change that may
// make room (a trigger's new job, a job leaving `running`, an operator's retry), in a statement of its own
// (transitions/admit.ts; a last stage's completion admits in its own statement first, D332); from the `otto_admit` task when a retry falls due; and from the safety net every
// minute, which also finds tenants waiting for their hourly quota, puts back in line a job whose step was
// lost (transitions/requeue-lost.ts), and corrects a slot count that disagrees with the jobs (it never should;
// transitions/reconcile-slots.ts).
import type { Tx } from '../db/knex.ts';
import { retryConflicts, transaction } from '../db/tx.ts';
import { inSpan } from '../tracing.ts';
import type { PipelineDeps } from './deps.ts';
import {
  admit,
  limitsOf,
  type OperatorRetry,
  reconcileSlots,
  requeueLost,
  retryByOperator,
} from './transitions/index.ts';

type Deps = Pick<PipelineDeps, 'db' | 'config' | 'clock' | 'trace'>;

/** Admission for one tenant, run again when Postgres picks it as a deadlock victim (D44); the ids admitted. */
export const admitTenant = (deps: Deps, companyId: string): Promise<string[]> =>
  inSpan(
    'otto.admission',
    { onlyInTrace: true, parent: deps.trace, attributes: { 'otto.company_id': companyId } },
    async (span) => {
      const admitted = await retryConflicts(() =>
        admit(deps.db, companyId, limitsOf(deps.config), deps.clock.now()),
      );
      span.setAttribute('otto.admitted', admitted.length);
      return admitted;
    },
  );

/** A running job idle this long with no step and nothing at Shunya has lost its step. */
const LOST_AFTER_MS = 10 * 60_000;

/** Safety net (cron, every minute); returns how many tenants it admitted for. */
export async function admitAll(
  deps: Pick<PipelineDeps, 'db' | 'config' | 'clock' | 'logger'>,
): Promise<number> {
  for (const c of await reconcileSlots(deps.db))
    deps.logger.warn({ company_id: c.company_id, was: c.was, now: c.now }, 'slot count corrected');
  const requeued = await requeueLost(deps.db, LOST_AFTER_MS, {
    error_code: 'STEP_LOST',
    error_type: 'internal_error',
    message: 'The job had no step to run and nothing waiting at Shunya; it went back in line',
    retryable: true,
    http_status: null,
    shunya_request_id: null,
    at: deps.clock.now().toISOString(),
  });
  if (requeued.length > 0)
    deps.logger.warn({ companies: requeued }, 'running jobs without a step went back in line');
  const res = await deps.db.raw(
    `SELECT DISTINCT company_id FROM shunya_jobs
     WHERE job_status = 'pending' AND COALESCE(next_attempt_at, created_at) <= ?`,
    [deps.clock.now().toISOString()],
  );
  const companies = (res.rows as { company_id: string }[]).map((r) => r.company_id);
  for (const companyId of companies) await admitTenant(deps, companyId);
  return companies.length;
}

/**
 * An operator's retry of a failed or timed-out job (ops API, D37, D81): back in line from the stage where
 * it stopped, `pending` with its attempts reset (transitions/retry-by-operator.ts), which is what the answer
 * says; the tenant's admission then runs at once and makes it `running` when a slot and the quota allow.
 * (It was alone in jobs.ts; it is admission's third caller, D237.)
 */
export async function retryJob(
  deps: Deps,
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
