// prepared() places named bindings by a plan made once per text (D481): what reaches pg (the text with
// $n, the values in order, the prepared statement's name) must be what knex's own named-binding pass makes,
// and whatever the plan does not cover is left to knex, errors included.
import knexFactory, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/knex.ts';
import { prepared } from '../../src/db/statement.ts';
import { FORECAST } from '../../src/jobs/quota.ts';
import { ADMIT } from '../../src/jobs/transitions/admit.ts';
import { CREATE_CALL_WITH_JOB } from '../../src/jobs/transitions/create.ts';
import { CALL_ANALYSIS } from '../../src/jobs/transitions/stages/call-analysis.ts';
import { CALL_TRANSCRIPTION } from '../../src/jobs/transitions/stages/call-transcription.ts';
import { VISIT_ANALYSIS } from '../../src/jobs/transitions/stages/visit-analysis.ts';

const db = knexFactory({ client: 'pg' });
/** Otto's own set-up (never connected here: toSQL needs no connection) */
const otto = createDb('postgres://nobody@127.0.0.1:9/none');
afterAll(() => Promise.all([db.destroy(), otto.destroy()]));

type Native = { sql: string; bindings: unknown[] };
const native = (raw: Knex.Raw): Native => raw.toSQL().toNative() as Native;
/** knex's own result: the same raw, never handed to prepared() */
const byKnex = (text: string, b: Record<string, unknown>) => native(db.raw(text, b as never));
const byPlan = (text: string, b: Record<string, unknown>) => native(prepared(db.raw(text, b as never), text));

/** a distinct value for every `:name` of a text (a string, a number, a jsonb object, an array, a date) */
function bindingsFor(text: string): Record<string, unknown> {
  // knex's expression: `:name` places only (HH24:MI:SS has `:MI:`, an identifier place no caller binds)
  const places = text.matchAll(/\\?(:(\w+):(?=::)|:(\w+):(?!:)|:(\w+))/g);
  const names = [...new Set([...places].flatMap((m) => (m[0] === m[1] && m[4] ? [m[4]] : [])))];
  const kinds = [
    (i: number) => `v${i}`,
    (i: number) => i,
    (i: number) => ({ k: i }),
    (i: number) => [i],
    (i: number) => new Date(i * 1000),
  ];
  return Object.fromEntries(names.map((n, i) => [n, (kinds[i % kinds.length] as (i: number) => unknown)(i)]));
}

describe('prepared: named bindings placed by a plan', () => {
  it.each([
    ['ADMIT', ADMIT],
    ['CREATE_CALL_WITH_JOB', CREATE_CALL_WITH_JOB],
    ['FORECAST', FORECAST],
    ['CALL_TRANSCRIPTION', CALL_TRANSCRIPTION],
    ['CALL_ANALYSIS', CALL_ANALYSIS],
    ['VISIT_ANALYSIS', VISIT_ANALYSIS],
  ])('%s reaches pg as knex would send it, run after run', (_n, text) => {
    const b = bindingsFor(text);
    expect(Object.keys(b).length).toBeGreaterThan(2);
    const expected = byKnex(text, b);
    const raw = prepared(db.raw(text, b as never), text);
    expect(Array.isArray((raw as unknown as { bindings: unknown }).bindings)).toBe(true); // the plan placed them
    expect(native(raw)).toEqual(expected);
    expect(byPlan(text, b)).toEqual(expected); // a later run uses the stored plan
  });

  it('keeps casts, escapes, repeated names and names the bindings do not hold as knex does', () => {
    const text = "SELECT :a::jsonb, :b, :a, '\\:literal', x::int, :missing, :b::text";
    const b = { a: { x: 1 }, b: 'two' };
    expect(byPlan(text, b)).toEqual(byKnex(text, b));
    expect(byPlan(text, b).sql).toBe("SELECT $1::jsonb, $2, $3, ':literal', x::int, :missing, $4::text");
  });

  it('leaves to knex a run whose bindings hold other names than the plan was made for', () => {
    const text = 'SELECT :p, :q';
    expect(byPlan(text, { p: 1 })).toEqual(byKnex(text, { p: 1 }));
    expect(byPlan(text, { p: 1, q: 2 })).toEqual(byKnex(text, { p: 1, q: 2 }));
    expect(byPlan(text, { p: 1, q: 2 }).bindings).toEqual([1, 2]);
  });

  it('leaves raws, identifiers, question marks and undefined values to knex', () => {
    const inner = { v: db.raw('now()') };
    expect(byPlan('SELECT :v', inner)).toEqual(byKnex('SELECT :v', inner));
    expect(byPlan('SELECT :v', inner).sql).toBe('SELECT now()');
    expect(byPlan('SELECT :col: FROM t', { col: 'id' })).toEqual(
      byKnex('SELECT :col: FROM t', { col: 'id' }),
    );
    expect(byPlan("SELECT '{}'::jsonb \\? :k", { k: 'a' })).toEqual(
      byKnex("SELECT '{}'::jsonb \\? :k", { k: 'a' }),
    );
    expect(() => byPlan('SELECT :u', { u: undefined })).toThrow(/Undefined binding/);
  });

  it('names the statement after its text, the same name every run', () => {
    const text = 'SELECT :n';
    const name = (prepared(db.raw(text, { n: 1 }), text).toSQL() as { options: { name: string } }).options
      .name;
    expect(name).toMatch(/^otto_[0-9a-f]{20}$/);
    expect(
      (prepared(db.raw(text, { n: 2 }), text).toSQL() as { options: { name: string } }).options.name,
    ).toBe(name);
    expect(
      (prepared(db.raw('SELECT :m', { m: 2 }), 'SELECT :m').toSQL() as { options: { name: string } }).options
        .name,
    ).not.toBe(name);
  });
});

describe('createDb: positions kept per text (D481)', () => {
  it('sends the $n text knex makes, for long texts run again and short ones', () => {
    const long = `SELECT ?, '\\?' AS q, ${'x, '.repeat(200)}? AS last, ?`;
    const ask = (k: Knex, text: string, b: unknown[]) => native(k.raw(text, b as never));
    for (let run = 0; run < 3; run++)
      expect(ask(otto, long, [1, 'a', run])).toEqual(ask(db, long, [1, 'a', run]));
    expect(ask(otto, long, [1, 'a', 2]).sql).toMatch(/^SELECT \$1, '\?' AS q, .* \$2 AS last, \$3$/);
    expect(ask(otto, 'SELECT ?', [5])).toEqual({ sql: 'SELECT $1', bindings: [5] });
  });
});
