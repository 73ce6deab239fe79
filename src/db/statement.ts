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
 * per call in the benchmark (D99). The name is hashed once per text, and named bindings are placed by a
 * plan made once per text (D481).
 */
export function prepared<T extends Knex.Raw>(raw: T, text: string): T {
  const plan = planOf(text);
  const r = raw as T & { sql: string; bindings: unknown; set(sql: string, bindings: unknown[]): unknown };
  if (plan.slots && r.sql === text && isNamedBindings(r.bindings)) {
    const positional = placeNamed(plan, r.bindings);
    if (positional) r.set(plan.sql, positional);
  }
  return raw.options({ name: plan.name }) as T;
}

/**
 * What knex's named-binding pass (`replaceKeyBindings`, a regular expression over the whole text and a
 * replacement per name at every run; 3 to 4 ms of Otto's CPU per call at target load, D481) would do with
 * a text, worked out once: the text with `?` where each name goes, and the names in that order. Names
 * the bindings do not hold stay as written (`::jsonb` reads as the name `jsonb` to that pass), so the plan
 * records which names it treated as bindings, and a run whose bindings hold another set is left to knex.
 */
interface Plan {
  /** the statement's prepared-statement name */
  name: string;
  /** the text as pieces between the `:name` places (null: knex places the bindings, see planOf) */
  slots: Slot[] | null;
  tail: string;
  /** the text with `?` at the places of the names `bound` holds */
  sql: string;
  /** the names of the places taken as bindings when `sql` was made */
  bound: Set<string>;
  /** every name the text has at a place, in order of first appearance */
  names: string[];
  identifiers?: Set<string>;
}

interface Slot {
  /** the text since the previous place */
  before: string;
  name: string;
  /** the place as written, kept when the bindings do not hold its name */
  original: string;
  /** `:name:`, which knex expands as an identifier when the bindings hold its name: left to knex */
  identifier: boolean;
}

const plans = new Map<string, Plan>();
const PLANS_MAX = 2000;
/** knex 3's own expression for `:name`, `:name:` (an identifier) and `\:name` (escaped), unchanged */
const NAMED = /\\?(:(\w+):(?=::)|:(\w+):(?!:)|:(\w+))/g;

function planOf(text: string): Plan {
  let plan = plans.get(text);
  if (plan) return plan;
  plan = {
    name: `otto_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`,
    ...slotsOf(text),
    sql: '',
    bound: new Set(),
  };
  // texts handed to prepared() are fixed (each is a prepared statement on every connection); the bound
  // only keeps a mistaken caller from growing the map
  if (plans.size < PLANS_MAX) plans.set(text, plan);
  return plan;
}

/**
 * The text cut at its `:name` places; null slots when knex must do the work: a `?` anywhere (after this
 * pass knex reads every `?` as a positional binding).
 */
function slotsOf(text: string): Pick<Plan, 'slots' | 'tail' | 'names'> {
  if (text.includes('?')) return { slots: null, tail: text, names: [] };
  const slots: Slot[] = [];
  let at = 0;
  let pending = '';
  for (const m of text.matchAll(NAMED)) {
    const [match, p1, p2, p3, p4] = m as unknown as [string, string, string?, string?, string?];
    const index = m.index ?? 0;
    if (match !== p1) {
      // `\:name`: knex writes `:name`
      pending += text.slice(at, index) + p1;
      at = index + match.length;
      continue;
    }
    const identifier = p4 === undefined; // `:name:` (HH24:MI:SS reads as one, for a name held by no one)
    const name = (p2 ?? p3 ?? p4) as string;
    slots.push({ before: pending + text.slice(at, index), name, original: match, identifier });
    pending = '';
    at = index + match.length;
  }
  return { slots, tail: pending + text.slice(at), names: [...new Set(slots.map((s) => s.name))] };
}

/** Names of `:name:` places: bindings holding one are left to knex. */
function identifiersOf(plan: Plan): Set<string> {
  plan.identifiers ??= new Set((plan.slots ?? []).filter((s) => s.identifier).map((s) => s.name));
  return plan.identifiers;
}

const isNamedBindings = (b: unknown): b is Record<string, unknown> =>
  b !== null && typeof b === 'object' && !Array.isArray(b) && Object.getPrototypeOf(b) === Object.prototype;

/**
 * The bindings in the order of the plan's places, or null when knex must place them: a value knex would
 * expand (a function, a query builder or a raw) or refuse (undefined), or names held that differ from
 * those the plan's text was made for.
 */
function placeNamed(plan: Plan, values: Record<string, unknown>): unknown[] | null {
  const slots = plan.slots as Plan['slots'] & object;
  if (plan.sql === '') makeText(plan, values);
  for (const n of plan.names) {
    const held = Object.hasOwn(values, n);
    const v = values[n];
    if (held !== plan.bound.has(n) || (!held && v !== undefined)) return null;
    if (held && identifiersOf(plan).has(n)) return null;
    if (held && (v === undefined || typeof v === 'function' || isKnexValue(v))) return null;
  }
  const out: unknown[] = [];
  for (const s of slots) if (plan.bound.has(s.name)) out.push(values[s.name]);
  return out;
}

/** Fixes the plan's text for the names these bindings hold: `?` for them, the rest as written. */
function makeText(plan: Plan, values: Record<string, unknown>): void {
  for (const n of plan.names) if (Object.hasOwn(values, n) && !identifiersOf(plan).has(n)) plan.bound.add(n);
  let sql = '';
  for (const s of plan.slots ?? []) sql += s.before + (plan.bound.has(s.name) ? '?' : s.original);
  plan.sql = sql + plan.tail;
}

const isKnexValue = (v: unknown): boolean =>
  v !== null &&
  typeof v === 'object' &&
  ((v as { isRawInstance?: boolean }).isRawInstance === true ||
    typeof (v as { toSQL?: unknown }).toSQL === 'function');

/** The condition of a part that may write only when `cte` wrote (null: always). */
export const when = (cte: string | null) => (cte ? `EXISTS (SELECT 1 FROM ${cte})` : 'true');
