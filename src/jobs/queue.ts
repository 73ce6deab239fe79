// Otto's graphile-worker tasks and their payloads, typed once through graphile-worker's own
// `GraphileWorker.Tasks` interface (STYLE §10), so that the task list (worker.ts) and every job added from
// TypeScript are checked against them. Jobs are added from SQL, inside the statement or transaction of the
// business write that needs them, so that a job exists exactly when that write commits.
import type { Db, Tx } from '../db/knex.ts';
import type { JobRow, OperationRow } from './model.ts';

export const TASK = {
  admit: 'otto_admit',
  advance: 'otto_advance',
  poll: 'otto_poll',
  sweepTimeouts: 'otto_sweep_timeouts',
  admitAll: 'otto_admit_all',
  prune: 'otto_prune',
} as const;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      /** admission for a tenant (a retry falls due; the 24 h sweep freed slots) */
      otto_admit: { company_id: string };
      /** the next step of a running job: submit its stage to Shunya; admission adds the job and its new
       * operation as it left them (JSON, to_jsonb's), so that the step need not read them (D340) */
      otto_advance: { job_id: string; job?: JobRow; op?: OperationRow };
      /** the fallback when no webhook comes: ask Shunya about an operation */
      otto_poll: { operation_id: string };
      otto_sweep_timeouts: Record<string, never>;
      /** the safety net: admission for every tenant with due work, lost steps requeued */
      otto_admit_all: Record<string, never>;
      otto_prune: Record<string, never>;
    }
  }
}

export type TaskName = keyof GraphileWorker.Tasks;

export interface EnqueueOptions {
  runAt?: Date;
  /** Replaces a not-yet-running job with the same key (graphile-worker `job_key`, mode replace). */
  jobKey?: string;
  maxAttempts?: number;
}

export async function enqueue<T extends TaskName>(
  tx: Db | Tx,
  task: T,
  payload: GraphileWorker.Tasks[T],
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

/**
 * SQL: Otto's notice that the job `job` (graphile-worker's `_private_jobs` row that `add_job` returned) was
 * scheduled ahead, and so that the `jobs:insert` notification its insertion sent announced nothing due
 * (D580). Sent only when add_job notified (a new row: revision 0) and the job is not due yet; after that
 * notification, since it reads add_job's result. `count` 0: graphile-worker nudges for it nothing (it nudges
 * for a positive count); `r` keeps two notices of one transaction apart (Postgres folds equal ones).
 * Evaluate it once per added job, from a MATERIALIZED CTE, so that add_job runs once.
 */
export const aheadNotice = (job: string): string =>
  `CASE WHEN (${job}).revision = 0 AND (${job}).run_at > now()
        THEN pg_notify('jobs:insert', '{"count":0,"${AHEAD_KEY}":1,"r":' || random()::text || '}') END`;

/** the key of the notice's payload that says a job was scheduled ahead (D580) */
export const AHEAD_KEY = 'ahead';
