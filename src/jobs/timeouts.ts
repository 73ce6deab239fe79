// Task otto_sweep_timeouts (graphile-worker cron, every minute): a job not finished 24 h after its
// creation times out (§2.1, §9.2; transitions/time-out-jobs.ts). The slots it freed go to the tenants' next jobs.
import type { JobError } from '../../generated/otto/types.gen.ts';
import { admitTenant } from './admission.ts';
import type { PipelineDeps } from './deps.ts';
import { timeOutJobs } from './transitions/index.ts';

export async function sweepTimeouts(deps: PipelineDeps): Promise<number> {
  const now = deps.clock.now();
  const error: JobError = {
    error_code: 'JOB_TIMEOUT',
    error_type: 'timeout',
    message: `Not finished within ${deps.config.jobs.timeoutS} s of creation`,
    retryable: false,
    http_status: null,
    shunya_request_id: null,
    at: now.toISOString(),
  };
  const { count, companies } = await timeOutJobs(
    deps.db,
    new Date(now.getTime() - deps.config.jobs.timeoutS * 1000),
    error,
  );
  for (const companyId of companies) await admitTenant(deps, companyId);
  if (count > 0) deps.logger.warn({ count }, 'jobs timed out');
  return count;
}
