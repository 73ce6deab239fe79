// One statement out of named parts (common table expressions), so that a transition and everything that
// goes with it (the domain rows of a stage, the outbox events, the attempt, the slot, the next step) is one
// round trip and one commit (issue 12, D99). Each part is plain SQL with `?` placeholders and its own
// bindings; the composer joins the parts in order, and their bindings in the same order. Parts that must
// write only when another did are guarded with `when(name)`.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
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
  return (await prepared(db.raw(s.sql, s.bindings as never[]), s.sql)).rows as R[];
}

/**
 * A statement run as a named prepared statement (its name derived from its text): each connection
 * prepares it once, and after a few runs Postgres plans it once (a generic plan) instead of at every run.
 * The transitions' statements are long; planning them at every run cost about a fifth of Postgres's time
 * per call in the benchmark (D99).
 */
export function prepared<T extends Knex.Raw>(raw: T, text: string): T {
  return raw.options({ name: `otto_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` }) as T;
}

/** The condition of a part that may write only when `cte` wrote (null: always). */
export const when = (cte: string | null) => (cte ? `EXISTS (SELECT 1 FROM ${cte})` : 'true');
