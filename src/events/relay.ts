// The outbox relay: hands out positions to committed events, then wakes the event streams. Events are
// inserted after their transaction has locked the aggregate's row (held until commit), so for one
// aggregate a later commit always has a larger id; publishing visible events in id order therefore keeps
// commit order per aggregate. Positions are gap-free and assigned at publication, so a reader resuming
// after position N misses nothing, whatever order transactions commit in. One relay at a time.
// A pass is one statement in autocommit, `otto_relay_pass` (migration 0013, D460), and the notifications
// that arrive within `coalesceMs` of each other make one pass (D461); passes start at most once every
// `minIntervalMs` (D520).
import type { Db } from '../db/knex.ts';
import type { Logger } from '../logger.ts';
import type { PgListener } from './listener.ts';

const BATCH = 500;
/** a failed pass runs again this soon, not at the next idle tick (D433) */
const RETRY_MS = 500;
/** how long a notification waits for others to share its pass (D461) */
export const DEFAULT_COALESCE_MS = 10;
/** the shortest time between the starts of two passes a notification asks for (D520) */
export const DEFAULT_MIN_INTERVAL_MS = 200;

export async function relayOnce(db: Db): Promise<{ published: number; companies: string[] }> {
  const res = await db.raw('SELECT published, companies FROM otto_relay_pass(?)', [BATCH]);
  const row = res.rows[0] as { published: number; companies: string[] };
  return { published: row.published, companies: row.companies };
}

/** Whether an event waits for its position (one index-only statement). */
export async function anyUnpublished(db: Db): Promise<boolean> {
  const res = await db.raw('SELECT EXISTS (SELECT 1 FROM outbox_events WHERE position IS NULL) AS any');
  return res.rows[0].any === true;
}

export interface RelayOptions {
  /** the safety net's period (D342, D433) */
  idleMs?: number;
  /** notifications within this many ms of the first one waiting make one pass (D461) */
  coalesceMs?: number;
  /** a notification's pass starts no sooner than this many ms after the previous pass started (D520) */
  minIntervalMs?: number;
}

/**
 * Runs the relay on outbox notifications, and every `idleMs` as a safety net. The safety net's tick
 * first asks whether anything waits (D342). Every insert into the outbox notifies every API process and a
 * reconnected listener runs a pass, so the tick only covers what no notification announced; it runs every
 * 5 s, and a failed pass is retried after `RETRY_MS` on its own (D433). A notification starts a pass at most
 * `coalesceMs` after it arrived, and every notification that arrives meanwhile is served by that pass; one
 * that arrives during a pass gets the next one, at most `coalesceMs` after it arrived (D461). Under load the
 * notifications come closer together than `coalesceMs` can gather, and every pass is a statement whatever
 * it finds, so a notification's pass also waits until `minIntervalMs` after the previous pass started: the
 * passes are as many as the events at a trickle and at most 1000 / `minIntervalMs` a second under load (D520).
 */
export function startRelay(
  db: Db,
  listener: PgListener,
  logger: Logger,
  opts: RelayOptions = {},
): { stop(): Promise<void> } {
  const idleMs = opts.idleMs ?? 5000;
  const coalesceMs = opts.coalesceMs ?? DEFAULT_COALESCE_MS;
  const minIntervalMs = opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  let lastPassAt = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  /** when the oldest notification no pass has served yet arrived */
  let waitingSince: number | null = null;
  let stopped = false;

  const schedule = (delayMs: number) => {
    if (stopped || timer || running) return;
    timer = setTimeout(() => {
      timer = null;
      pass(false);
    }, delayMs);
    timer.unref();
  };
  /** how long the pass owed since `waitingSince` still waits: for its company, and for its turn */
  const dueIn = () =>
    Math.max(0, (waitingSince ?? 0) + coalesceMs - Date.now(), lastPassAt + minIntervalMs - Date.now());
  /** a pass is owed: within `coalesceMs` of now (and its turn), or at once for `now` */
  const owe = (now = false) => {
    if (now) {
      waitingSince = Date.now() - coalesceMs;
      lastPassAt = Number.NEGATIVE_INFINITY;
    } else waitingSince ??= Date.now();
    // a pass scheduled later than the one now owed is brought forward
    if (now && timer) {
      clearTimeout(timer);
      timer = null;
    }
    schedule(dueIn());
  };
  /** one pass (or the tick's question); whether the batch was full */
  const relay = async (tick: boolean): Promise<boolean> => {
    try {
      if (tick && waitingSince === null && !(await anyUnpublished(db))) return false;
      waitingSince = null;
      lastPassAt = Date.now();
      return (await relayOnce(db)).published === BATCH;
    } catch (e) {
      logger.warn({ err: e }, 'outbox relay failed; will retry');
      // retried after RETRY_MS, not sooner, even if notifications arrived meanwhile
      waitingSince = Math.max(waitingSince ?? 0, Date.now() - coalesceMs + RETRY_MS);
      return false;
    }
  };
  const pass = (tick: boolean) => {
    // a tick while a pass is owed leaves it to the pass
    if (stopped || running || (tick && timer)) return;
    running = relay(tick).then((full) => {
      running = null;
      if (full) schedule(0);
      else if (waitingSince !== null) schedule(dueIn());
    });
  };

  listener.on('otto_outbox', () => owe());
  // notifications may have been missed while disconnected, and events written before the start
  listener.onConnect(() => owe(true));
  const tick = setInterval(() => pass(true), idleMs);
  tick.unref();
  owe(true);
  return {
    async stop() {
      stopped = true;
      clearInterval(tick);
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
