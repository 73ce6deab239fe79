// Otto wakes its own graphile-worker pool when a scheduled job falls due (D432). graphile-worker learns of
// a job through the NOTIFY of add_job, sent when the job is inserted: a job inserted to run later (a
// fallback poll, a deferred step, a retry after a failure) is only found by the idle workers' polling,
// every `pollInterval`, by each of the pool's workers. With 24 workers and a poll every second that was
// 24 fetches a second per worker process whatever the load. Instead, the pool polls rarely
// (WORKER_POLL_INTERVAL_MS) and this waker keeps one timer, set to the earliest future run_at among the
// available jobs of Otto's tasks, and nudges as many idle workers as jobs are due when it fires.
//
// It asks Postgres (one statement) only when something may have changed what is due: a job was inserted
// (graphile-worker's `jobs:insert` notification, at most once per `checkMs`), a job of this process failed
// and was scheduled again, the reaper released dead workers' jobs, its listener reconnected, or its timer
// fired; never twice within `checkMs`. So a scheduled job starts at most `checkMs` after its run_at (and
// after its insertion): no later than with a poll every `checkMs`, for one statement per `checkMs` at most.
import type { Db } from '../db/knex.ts';
import type { Logger } from '../logger.ts';

export interface Waker {
  /** Something may have made a job due or scheduled one: look again (throttled to once per checkMs). */
  poke(): void;
  stop(): Promise<void>;
}

export interface WakerOptions {
  /** the shortest time between two looks, and so the bound on a job scheduled less than this ahead */
  checkMs: number;
  /** the longest sleep when nothing is scheduled (the safety net, as the pool's own poll) */
  maxSleepMs: number;
  /** the task identifiers this process runs */
  tasks: string[];
  /** wakes up to `n` idle workers (graphile-worker's workerPool.nudge) */
  nudge(n: number): void;
}

interface Look {
  due: number;
  /** milliseconds until the earliest future run_at, by Postgres's clock (graphile-worker's `now()`) */
  next_in_ms: number | null;
}

// `due` is capped: nudging more workers than the pool has does nothing more. Both halves read the
// partial index graphile-worker fetches with (is_available).
const LOOK = `
  WITH tasks AS (SELECT id FROM graphile_worker._private_tasks WHERE identifier = ANY(?::text[]))
  SELECT
    (SELECT count(*) FROM (
       SELECT 1 FROM graphile_worker._private_jobs
       WHERE is_available AND run_at <= now() AND task_id IN (SELECT id FROM tasks) LIMIT 1000) d)::int AS due,
    (SELECT ceil(extract(epoch FROM min(run_at) - now()) * 1000) FROM graphile_worker._private_jobs
     WHERE is_available AND run_at > now() AND task_id IN (SELECT id FROM tasks))::float AS next_in_ms`;

export function startWaker(db: Db, logger: Logger, o: WakerOptions): Waker {
  let timer: NodeJS.Timeout | null = null;
  let timerAt = Number.POSITIVE_INFINITY;
  let lastLookAt = Number.NEGATIVE_INFINITY;
  let looking: Promise<void> | null = null;
  /** a poke arrived while a look was running: its snapshot may predate what the poke announced */
  let again = false;
  let stopped = false;

  // every look, the timer's too, is at least checkMs after the previous one: with many jobs scheduled
  // close together (a fallback poll per operation under load) the waker stays one statement per checkMs
  const schedule = (inMs: number) => {
    const at = Math.max(Date.now() + Math.max(0, inMs), lastLookAt + o.checkMs);
    if (timer && at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = null;
      timerAt = Number.POSITIVE_INFINITY;
      look();
    }, at - Date.now());
    timer.unref();
  };

  const look = () => {
    if (stopped) return;
    if (looking) {
      again = true;
      return;
    }
    lastLookAt = Date.now();
    looking = (async () => {
      try {
        const r = await db.raw(LOOK, [o.tasks]);
        const { due, next_in_ms } = r.rows[0] as Look;
        // a due job no idle worker takes now is fetched by a busy one as it finishes: a worker that ran a
        // job always fetches again before it sleeps
        if (due > 0) o.nudge(due);
        schedule(Math.min(next_in_ms ?? o.maxSleepMs, o.maxSleepMs));
      } catch (e) {
        logger.warn({ err: e }, 'looking for due jobs failed; trying again');
        schedule(o.checkMs);
      } finally {
        looking = null;
        if (again) {
          again = false;
          poke();
        }
      }
    })();
  };

  /** A look now, or as soon as checkMs has passed since the last one. */
  const poke = () => {
    if (stopped) return;
    if (looking) {
      again = true;
      return;
    }
    schedule(0);
  };

  look();
  return {
    poke,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await looking;
    },
  };
}
