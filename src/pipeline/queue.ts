// Adding graphile-worker jobs from SQL, inside the caller's transaction, so that a job exists exactly when
// the business write that needs it commits (STYLE §10). Task payloads are typed once, here.
import type { Tx } from '../db/knex.ts';

export const TASK = {
  admit: 'otto_admit',
  advance: 'otto_advance',
  poll: 'otto_poll',
  sweepTimeouts: 'otto_sweep_timeouts',
  admitAll: 'otto_admit_all',
  prune: 'otto_prune',
} as const;

export interface TaskPayloads {
  [TASK.admit]: { company_id: string };
  [TASK.advance]: { job_id: string };
  [TASK.poll]: { operation_id: string };
  [TASK.sweepTimeouts]: Record<string, never>;
  [TASK.admitAll]: Record<string, never>;
  [TASK.prune]: Record<string, never>;
}

export type TaskName = keyof TaskPayloads;

export interface EnqueueOptions {
  runAt?: Date;
  /** Replaces a not-yet-running job with the same key (graphile-worker `job_key`, mode replace). */
  jobKey?: string;
  maxAttempts?: number;
}

export async function enqueue<T extends TaskName>(
  tx: Tx,
  task: T,
  payload: TaskPayloads[T],
  opts: EnqueueOptions = {},
): Promise<void> {
  await tx.raw(
    `SELECT graphile_worker.add_job(identifier => ?, payload => ?::json, run_at => ?::timestamptz,
                                    job_key => ?, max_attempts => ?)`,
    [
      task,
      JSON.stringify(payload),
      opts.runAt?.toISOString() ?? null,
      opts.jobKey ?? null,
      opts.maxAttempts ?? null,
    ],
  );
}

/** Wakes the tenant's admission (one pending wake-up per tenant; a running one is never lost). */
export const wakeAdmission = (tx: Tx, companyId: string, runAt?: Date) =>
  enqueue(tx, TASK.admit, { company_id: companyId }, runAt ? { runAt } : { jobKey: `admit:${companyId}` });
