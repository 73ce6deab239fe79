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
