// Worker liveness and crash recovery. Every worker process writes a heartbeat every few seconds, with
// graphile-worker's ids of its workers. A process whose heartbeat is older than `deadAfterMs` is dead
// (SIGKILL, machine lost): any live process releases its locked jobs at once with graphile-worker's
// forceUnlockWorkers, instead of waiting for graphile-worker's built-in 4-hour lock expiry.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import type pg from 'pg';
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
  stop(): Promise<void>;
}

export async function reapDeadWorkers(
  db: Db,
  utils: WorkerUtils,
  deadAfterMs: number,
  logger: Logger,
): Promise<number> {
  const dead = await db.raw(
    `UPDATE worker_heartbeats SET stopped_at = now()
     WHERE stopped_at IS NULL AND last_seen_at < now() - (? * interval '1 millisecond')
     RETURNING process_id, graphile_worker_ids`,
    [deadAfterMs],
  );
  const ids = (dead.rows as { process_id: string; graphile_worker_ids: string[] }[]).flatMap(
    (r) => r.graphile_worker_ids,
  );
  if (ids.length > 0) {
    await utils.forceUnlockWorkers(ids);
    logger.warn(
      { processes: dead.rows.map((r: { process_id: string }) => r.process_id), worker_ids: ids },
      'released the jobs of dead workers',
    );
  }
  return dead.rows.length;
}

export async function startHeartbeat(
  db: Db,
  pool: pg.Pool,
  logger: Logger,
  opts: HeartbeatOptions = {},
): Promise<Heartbeat> {
  const intervalMs = opts.intervalMs ?? 5000;
  const deadAfterMs = opts.deadAfterMs ?? 20_000;
  const processId = randomUUID();
  const workerIds = new Set<string>();
  const utils = await makeWorkerUtils({ pgPool: pool });
  await db('worker_heartbeats').insert({ process_id: processId, hostname: hostname(), pid: process.pid });
  const beat = async () => {
    try {
      await db('worker_heartbeats')
        .where({ process_id: processId })
        .update({ last_seen_at: db.fn.now(), graphile_worker_ids: [...workerIds] });
    } catch (e) {
      logger.warn({ err: e }, 'heartbeat failed');
    }
  };
  const reap = async () => {
    try {
      return await reapDeadWorkers(db, utils, deadAfterMs, logger);
    } catch (e) {
      logger.warn({ err: e }, 'reaping dead workers failed');
      return 0;
    }
  };
  const timer = setInterval(() => void beat().then(reap), intervalMs);
  timer.unref();
  return {
    processId,
    addWorkerId(id) {
      workerIds.add(id);
      void beat();
    },
    reap,
    async stop() {
      clearInterval(timer);
      await db('worker_heartbeats')
        .where({ process_id: processId })
        .update({ stopped_at: db.fn.now() })
        .catch(() => {});
      await utils.release();
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
