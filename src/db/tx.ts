// Transactions that Postgres may abort to resolve a conflict between concurrent transactions: a deadlock
// (40P01) or a serialization failure (40001). Postgres picks one victim and rolls it back entirely, so the
// victim can simply run again. Triggers, completions and operator retries lock jobs, leads and calls of one
// tenant in orders that can cross under load (the chaos run met a deadlock between a trigger and a late
// completion of the same tenant, D44): they run through `transaction`, which retries the whole function.
import type { Db, Tx } from './knex.ts';

const CONFLICT_SQLSTATES = new Set(['40P01', '40001']);

/** A deadlock or serialization failure: the transaction was rolled back and may be run again. */
export function isTransactionConflict(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 5) return false;
  const err = e as { code?: unknown; cause?: unknown };
  if (typeof err.code === 'string' && CONFLICT_SQLSTATES.has(err.code)) return true;
  return isTransactionConflict(err.cause, depth + 1);
}

export interface TransactionOptions {
  /** runs in all (the first included) */
  attempts?: number;
  /** called before each new run, with the error that ended the previous one */
  onRetry?: (e: unknown, attempt: number) => void;
}

/**
 * `db.transaction(fn)`, run again (up to `attempts` runs in all, after 5–50 ms) when Postgres aborts it as
 * a deadlock victim or for a serialization failure. `fn` must have no effect outside the transaction.
 */
export async function transaction<T>(
  db: Db,
  fn: (tx: Tx) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (e) {
      if (attempt >= attempts || !isTransactionConflict(e)) throw e;
      opts.onRetry?.(e, attempt);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 15 * attempt));
    }
  }
}
