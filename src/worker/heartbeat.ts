// Worker liveness and crash recovery. Every worker process writes a heartbeat every few seconds, with
// graphile-worker's ids of its workers. A process whose heartbeat is older than `deadAfterMs` is dead
// (SIGKILL, machine lost): any live process releases its locked jobs at once with graphile-worker's
// force_unlock_workers, instead of waiting for graphile-worker's built-in 4-hour lock expiry.
//
// Two rules keep a live process from being lost (D104, found by the chaos run with three workers and a
// Postgres restart): a process declares others dead only once it has itself reached the database at every
// beat for `deadAfterMs` (after an outage every heartbeat is old, and the others need a beat to show they
// live); and a live process that finds itself declared dead anyway (its beats delayed past `deadAfterMs`)
// takes its heartbeat back, so that its own death later is noticed and its jobs are released.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/knex.ts';
import type { Logger } from '../logger.ts';

export interface HeartbeatOptions {
  intervalMs?: number;
  deadAfterMs?: number;
}

export interface Heartbeat {
  processId: string;
  /** Records graphile-worker ids as its workers start. */
  addWorkerId(id: string): void;
  /** One reaping pass (also run on a timer): releases the locks of dead processes; returns how many. */
  reap(): Promise<number>;
  /** Called after a pass released some process's jobs: they are due at once, and no NOTIFY says so (D432). */
  onReaped(listener: () => void): void;
  stop(): Promise<void>;
}

/**
 * Marks the heartbeats silent for `deadAfterMs` stopped and releases their processes' jobs, in one
 * statement: a reaper killed between the two would leave the locks to graphile-worker's four-hour expiry
 * (D104). `graphile_worker.force_unlock_workers` is what graphile-worker's `forceUnlockWorkers` calls.
 */
export async function reapDeadWorkers(db: Db, deadAfterMs: number, logger: Logger): Promise<number> {
  const dead = await db.raw(
    `WITH dead AS (
       UPDATE worker_heartbeats SET stopped_at = now()
       WHERE stopped_at IS NULL AND last_seen_at < now() - (? * interval '1 millisecond')
       RETURNING process_id, graphile_worker_ids)
     SELECT process_id, graphile_worker_ids, graphile_worker.force_unlock_workers(graphile_worker_ids)::text
     FROM dead`,
    [deadAfterMs],
  );
  const rows = dead.rows as { process_id: string; graphile_worker_ids: string[] }[];
  if (rows.length > 0) {
    logger.warn(
      { processes: rows.map((r) => r.process_id), worker_ids: rows.flatMap((r) => r.graphile_worker_ids) },
      'released the jobs of dead workers',
    );
  }
  return rows.length;
}

export async function startHeartbeat(
  db: Db,
  logger: Logger,
  opts: HeartbeatOptions = {},
): Promise<Heartbeat> {
  const intervalMs = opts.intervalMs ?? 5000;
  const deadAfterMs = opts.deadAfterMs ?? 20_000;
  const processId = randomUUID();
  const workerIds = new Set<string>();
  const reapedListeners: (() => void)[] = [];
  /**
   * Since when this process has reached the database at every beat: reset by a failed beat, and by a gap
   * between two beats of more than two intervals (a beat can hang in the pool's reconnecting for the
   * whole outage, then succeed).
   */
  let reachableSince: number | null = null;
  let lastBeatAt = 0;
  let stopping = false;
  /** Writes the heartbeat (taking it back if another process declared this one dead). */
  const write = async () => {
    const r = await db.raw(
      `WITH before AS (SELECT stopped_at FROM worker_heartbeats WHERE process_id = ?)
       INSERT INTO worker_heartbeats (process_id, hostname, pid, graphile_worker_ids) VALUES (?, ?, ?, ?)
       ON CONFLICT (process_id) DO UPDATE
         SET last_seen_at = now(), graphile_worker_ids = EXCLUDED.graphile_worker_ids, stopped_at = NULL
       RETURNING (SELECT stopped_at FROM before) AS declared_dead_at`,
      [processId, processId, hostname(), process.pid, [...workerIds]],
    );
    const now = Date.now();
    if (reachableSince === null || now - lastBeatAt > 2 * intervalMs) reachableSince = now;
    lastBeatAt = now;
    const declaredDeadAt = r.rows[0]?.declared_dead_at;
    if (declaredDeadAt) {
      logger.warn(
        { process_id: processId, declared_dead_at: declaredDeadAt },
        'this process was declared dead while alive (its heartbeat was late): its jobs were released and may run twice; heartbeat taken back',
      );
    }
  };
  const beat = async () => {
    if (stopping) return;
    try {
      await write();
    } catch (e) {
      reachableSince = null;
      logger.warn({ err: e }, 'heartbeat failed');
    }
  };
  const reap = async () => {
    try {
      const n = await reapDeadWorkers(db, deadAfterMs, logger);
      if (n > 0) for (const l of reapedListeners) l();
      return n;
    } catch (e) {
      logger.warn({ err: e }, 'reaping dead workers failed');
      return 0;
    }
  };
  /** Reaps only once this process has itself reached the database for `deadAfterMs` without a break. */
  const reapIfSure = async () => {
    if (stopping || reachableSince === null || Date.now() - reachableSince < deadAfterMs) return;
    await reap();
  };
  await write();
  const inFlight = new Set<Promise<unknown>>(); // neither beat nor reap ever rejects
  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const timer = setInterval(() => track(beat().then(reapIfSure)), intervalMs);
  timer.unref();
  return {
    processId,
    addWorkerId(id) {
      workerIds.add(id);
      track(beat());
    },
    reap,
    onReaped(listener) {
      reapedListeners.push(listener);
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      await Promise.all(inFlight); // a beat finishing after the mark below would take the heartbeat back
      await db('worker_heartbeats')
        .where({ process_id: processId })
        .update({ stopped_at: db.fn.now() })
        .catch(() => {});
    },
  };
}

/** Readiness: some worker process has beaten recently. */
export async function workerAlive(db: Db, withinMs = 20_000): Promise<boolean> {
  const r = await db.raw(
    `SELECT 1 FROM worker_heartbeats WHERE stopped_at IS NULL AND last_seen_at > now() - (? * interval '1 millisecond') LIMIT 1`,
    [withinMs],
  );
  return r.rows.length > 0;
}
