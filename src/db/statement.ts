// One statement out of named parts (common table expressions), so that a transition and everything that
// goes with it (the domain rows of a stage, the outbox events, the attempt, the slot, the next step) is one
// round trip and one commit (issue 12, D99). Each part is plain SQL with `?` placeholders and its own
// bindings; the composer joins the parts in order, and their bindings in the same order. Parts that must
// write only when another did are guarded with `when(name)`.
import type { Db, Tx } from './knex.ts';

export interface Part {
  /** the CTE's name, for later parts to read (`EXISTS (SELECT 1 FROM name)`) */
  name: string;
  sql: string;
  bindings: unknown[];
}

export const part = (name: string, sql: string, bindings: unknown[] = []): Part => ({ name, sql, bindings });

/** `WITH p1 AS (...), p2 AS (...) <final>`, with the bindings in order; absent (null) parts are left out. */
export function compose(parts: (Part | null)[], final: string, finalBindings: unknown[] = []) {
  const present = parts.filter((p): p is Part => p !== null);
  return {
    sql: `WITH ${present.map((p) => `${p.name} AS (${p.sql})`).join(',\n')}\n${final}`,
    bindings: [...present.flatMap((p) => p.bindings), ...finalBindings],
  };
}

export async function run<R>(db: Db | Tx, s: { sql: string; bindings: unknown[] }): Promise<R[]> {
  return (await db.raw(s.sql, s.bindings as never[])).rows as R[];
}

/** The condition of a part that may write only when `cte` wrote (null: always). */
export const when = (cte: string | null) => (cte ? `EXISTS (SELECT 1 FROM ${cte})` : 'true');
