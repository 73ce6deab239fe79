// The outbox relay: hands out positions to committed events, then wakes the event streams. Events are
// inserted after their transaction has locked the aggregate's row (held until commit), so for one
// aggregate a later commit always has a larger id; publishing visible events in id order therefore keeps
// commit order per aggregate. Positions are gap-free and assigned at publication, so a reader resuming
// after position N misses nothing, whatever order transactions commit in. One relay at a time.
import type { Db } from '../db/knex.ts';
import type { Logger } from '../logger.ts';
import type { PgListener } from './listener.ts';

const RELAY_LOCK = 740_123_001;
const BATCH = 500;
/** a failed pass runs again this soon, not at the next idle tick (D433) */
const RETRY_MS = 500;

export async function relayOnce(db: Db): Promise<{ published: number; companies: string[] }> {
  return db.transaction(async (tx) => {
    const lock = await tx.raw('SELECT pg_try_advisory_xact_lock(?) AS ok', [RELAY_LOCK]);
    if (!lock.rows[0].ok) return { published: 0, companies: [] };
    // a new statement, hence a snapshot taken after the lock: what a previous relay assigned is visible
    const res = await tx.raw(
      `WITH ready AS (
         SELECT id, row_number() OVER (ORDER BY id) AS rn
         FROM outbox_events
         WHERE position IS NULL
         ORDER BY id
         LIMIT ?
       ),
       state AS (SELECT last_position FROM outbox_relay WHERE id = 1),
       assigned AS (
         UPDATE outbox_events e SET position = (SELECT last_position FROM state) + r.rn, published_at = now()
         FROM ready r WHERE e.id = r.id AND e.position IS NULL
         RETURNING e.company_id
       ),
       bump AS (
         UPDATE outbox_relay SET last_position = last_position + (SELECT count(*) FROM ready)
         WHERE id = 1 AND EXISTS (SELECT 1 FROM ready)
       )
       SELECT count(*)::int AS n, coalesce(array_agg(DISTINCT company_id::text), '{}') AS companies FROM assigned`,
      [BATCH],
    );
    const row = res.rows[0] as { n: number; companies: string[] };
    if (row.n > 0) {
      const payload = JSON.stringify(row.companies);
      await tx.raw('SELECT pg_notify(?, ?)', ['otto_events', payload.length < 7900 ? payload : '"*"']);
    }
    return { published: row.n, companies: row.companies };
  });
}

/** Whether an event waits for its position (one index-only statement; the relay's own is four). */
export async function anyUnpublished(db: Db): Promise<boolean> {
  const res = await db.raw('SELECT EXISTS (SELECT 1 FROM outbox_events WHERE position IS NULL) AS any');
  return res.rows[0].any === true;
}

/**
 * Runs the relay on every outbox notification, and every `idleMs` as a safety net. The safety net's tick
 * first asks whether anything waits (D342): a whole relay pass is four statements (BEGIN, the lock, the
 * assignment, COMMIT) twice a second in every API process, work that did not scale down with the load.
 * Every insert into the outbox notifies every API process and a reconnected listener runs a pass, so the
 * tick only covers what no notification announced; it runs every 5 s, and a failed pass is retried after
 * `RETRY_MS` on its own (D433).
 */
export function startRelay(
  db: Db,
  listener: PgListener,
  logger: Logger,
  idleMs = 5000,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = (tick = false) => {
    if (stopped) return;
    if (running) {
      if (!tick) again = true;
      return;
    }
    running = (async () => {
      try {
        if (tick && !(await anyUnpublished(db))) return;
        do {
          again = false;
          const r = await relayOnce(db);
          if (r.published === BATCH) again = true;
        } while (again && !stopped);
      } catch (e) {
        logger.warn({ err: e }, 'outbox relay failed; will retry');
        setTimeout(() => run(), RETRY_MS).unref();
      } finally {
        running = null;
      }
    })();
  };
  listener.on('otto_outbox', () => run());
  listener.onConnect(() => run());
  const timer = setInterval(() => run(true), idleMs);
  timer.unref();
  run();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
