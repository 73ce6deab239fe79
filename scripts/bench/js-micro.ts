// `node --import tsx scripts/bench/js-micro.ts [rounds]`: CPU per run of the JavaScript issue 21's Otto CPU
// cut changed (D480–D482), the previous form against the present one, in one process and with CPU time
// (process.cpuUsage), so a machine loaded by others moves both sides alike: what knex makes of the
// transitions' statements (named bindings, $n positions, the prepared statement's name), stableStringify,
// and unstorable over Shunya's published payload samples. Rounds alternate old and new.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { createDb } from '../../src/db/knex.ts';
import { prepared } from '../../src/db/statement.ts';
import { ADMIT } from '../../src/jobs/transitions/admit.ts';
import { CREATE_CALL_WITH_JOB } from '../../src/jobs/transitions/create.ts';
import { CALL_ANALYSIS } from '../../src/jobs/transitions/stages/call-analysis.ts';
import { CALL_TRANSCRIPTION } from '../../src/jobs/transitions/stages/call-transcription.ts';
import { stableStringify } from '../../src/util/hash.ts';
import { unstorable } from '../../src/util/storable.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const rounds = Number(process.argv[2] ?? 5);

// ---- the previous forms, as they were at 8e5f453 ----
function oldStable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(oldStable).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${oldStable(v)}`).join(',')}}`;
}
const UNPAIRED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
function oldUnstorable(v: unknown): string | null {
  const text = (s: string) => (s.includes('\u0000') ? 'nul' : UNPAIRED.test(s) ? 'surrogate' : null);
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop() as [unknown, number];
    if (typeof x === 'string') {
      if (text(x)) return text(x);
    } else if (x && typeof x === 'object')
      for (const [k, y] of Object.entries(x)) {
        if (text(k)) return text(k);
        stack.push([y, depth + 1]);
      }
  }
  return null;
}
const plain = knexFactory({ client: 'pg' });
const otto = createDb('postgres://nobody@127.0.0.1:9/none');
const oldPrepared = (raw: Knex.Raw, text: string) =>
  raw.options({ name: `otto_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` });

function bindingsFor(text: string): Record<string, unknown> {
  const places = text.matchAll(/\\?(:(\w+):(?=::)|:(\w+):(?!:)|:(\w+))/g);
  const names = [...new Set([...places].flatMap((m) => (m[0] === m[1] && m[4] ? [m[4]] : [])))];
  return Object.fromEntries(names.map((n, i) => [n, i % 2 ? i : `v${i}`]));
}
const texts = [ADMIT, CREATE_CALL_WITH_JOB, CALL_TRANSCRIPTION, CALL_ANALYSIS].map((t) => ({
  t,
  b: bindingsFor(t),
}));
const samples = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fixtures/shunya-reference/payload-samples.json'), 'utf8'),
) as unknown[];

/** CPU µs per run of `fn` (runs × items), over `n` runs */
function cpuUs(n: number, fn: () => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const u = process.cpuUsage(start);
  return (u.user + u.system) / n;
}

const each = (f: (v: unknown) => unknown) => () => {
  for (const v of samples) f(v);
};
const cases: [string, number, () => void, () => void][] = [
  [
    'a transition statement to pg (4 texts, each once)',
    2000,
    () => {
      for (const { t, b } of texts)
        oldPrepared(plain.raw(t, b as never), t)
          .toSQL()
          .toNative();
    },
    () => {
      for (const { t, b } of texts)
        prepared(otto.raw(t, b as never), t)
          .toSQL()
          .toNative();
    },
  ],
  ['stableStringify (18 payload samples)', 2000, each(oldStable), each(stableStringify)],
  ['unstorable (18 payload samples)', 2000, each(oldUnstorable), each(unstorable)],
];

console.log('| what | previous µs CPU per run | present µs | present ÷ previous |\n|---|---:|---:|---:|');
for (const [name, n, before, after] of cases) {
  cpuUs(n, before); // warm both before measuring
  cpuUs(n, after);
  let a = 0;
  let b = 0;
  for (let r = 0; r < rounds; r++) {
    a += cpuUs(n, before);
    b += cpuUs(n, after);
  }
  console.log(
    `| ${name} | ${(a / rounds).toFixed(1)} | ${(b / rounds).toFixed(1)} | ${(b / a).toFixed(2)} |`,
  );
}
await Promise.all([plain.destroy(), otto.destroy()]);
