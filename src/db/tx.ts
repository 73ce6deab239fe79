// Transactions that Postgres may abort to resolve a conflict between concurrent transactions: a deadlock
// (40P01) or a serialization failure (40001). Postgres picks one victim and rolls it back entirely, so the
// victim can simply run again. Triggers, completions and operator retries lock jobs, leads and calls of one
// tenant in orders that can cross under load (the chaos run met a deadlock between a trigger and a late
// completion of the same tenant, D44): they run through `transaction`, which retries the whole function.
import { isTransactionConflict } from './errors.ts';
import type { Db, Tx } from './knex.ts';

/** Runs in all, the first included. */
const ATTEMPTS = 4;

/**
 * `db.transaction(fn)`, run again (up to four runs in all, after 5–50 ms) when Postgres aborts it as
 * a deadlock victim or for a serialization failure. `fn` must have no effect outside the transaction but
 * log lines (a line written by a run that was rolled back is written again by the next run).
 */
export function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return retryConflicts(() => db.transaction(fn));
}

/**
 * `fn` (a statement in a transaction of its own, or a whole transaction), run again the same way when
 * Postgres aborts it as a deadlock victim or for a serialization failure.
 */
export async function retryConflicts<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= ATTEMPTS || !isTransactionConflict(e)) throw e;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 15 * attempt));
    }
  }
}
