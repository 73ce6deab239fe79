// The import direction the design asks for, checked on the source: http → intake | views | worker → steps →
// jobs → domain | events → db → shunya (docs/ARCHITECTURE.md); the simulator never imports from src/.
// shunya/ once imported from the old pipeline/ (issue 12); issue 19 split pipeline/ into these layers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The src/ (or repository) directories a file imports from, resolved. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)].map((m) =>
    path.relative(ROOT, path.resolve(path.dirname(file), m[1] as string)),
  );
}

const offending = (dirs: string[], forbidden: string[]) =>
  dirs
    .flatMap((d) => sourceFiles(path.join(ROOT, d)))
    .flatMap((f) =>
      importsOf(f)
        .filter((i) => forbidden.some((x) => i === x || i.startsWith(`${x}/`)))
        .map((i) => `${path.relative(ROOT, f)} → ${i}`),
    );

/** Top to bottom; a directory imports only from its own layer's directory or from a lower layer. */
const LAYERS = [
  ['src/http'],
  ['src/intake', 'src/views', 'src/worker'],
  ['src/steps'],
  ['src/jobs'],
  ['src/domain', 'src/events'],
  ['src/db'],
  ['src/shunya'],
];

describe('import direction', () => {
  LAYERS.forEach((layer, i) => {
    for (const dir of layer) {
      const above = LAYERS.slice(0, i).flat();
      const peers = layer.filter((d) => d !== dir);
      it(`${dir}/ imports nothing from ${[...above, ...peers].join(', ') || 'above'}`, () => {
        expect(offending([dir], [...above, ...peers])).toEqual([]);
      });
    }
  });
  it('the check finds an upward import', () => {
    expect(offending(['src/steps'], ['src/jobs']).length).toBeGreaterThan(0);
  });
  it('the simulator imports nothing from src/', () => {
    expect(offending(['simulator'], ['src'])).toEqual([]);
  });
});

// A job's state is written by the transitions module only (issue 12; issue 19 for the other three tables,
// D231): no other file of src/ writes the jobs, their operations, their attempts or the tenants' slot
// counts, in SQL or through knex.
describe("the job's state", () => {
  const TABLES = 'shunya_jobs|shunya_operations|shunya_job_attempts|tenant_admission';
  const WRITES = [
    new RegExp(`\\b(UPDATE|INSERT\\s+INTO|DELETE\\s+FROM)\\s+(${TABLES})\\b`, 'i'),
    new RegExp(
      `['"](${TABLES})['"]\\)(\\s*\\.\\w+\\((?:[^()]|\\([^()]*\\))*\\))*\\s*\\.(update|insert|del|delete|upsert)\\(`,
    ),
  ];
  const TRANSITIONS_DIR = path.join(ROOT, 'src/jobs/transitions');

  it('is written by src/jobs/transitions/ and nothing else', () => {
    const writers = sourceFiles(path.join(ROOT, 'src'))
      .filter((f) => !f.startsWith(`${TRANSITIONS_DIR}/`))
      .filter((f) => WRITES.some((re) => re.test(readFileSync(f, 'utf8'))))
      .map((f) => path.relative(ROOT, f));
    expect(writers).toEqual([]);
  });

  it('the check finds writes of each table (in SQL and through knex)', () => {
    for (const table of TABLES.split('|')) {
      expect(WRITES[0]?.test(`UPDATE ${table} SET x = 'failed'`), table).toBe(true);
      expect(WRITES[0]?.test(`INSERT INTO ${table} (a) VALUES (1)`), table).toBe(true);
      expect(WRITES[1]?.test(`tx('${table}')\n  .where({ id })\n  .update({ x: 'y' })`), table).toBe(true);
      expect(
        WRITES.some((re) => re.test(`db('${table}').where({ company_id }).first()`)),
        table,
      ).toBe(false);
    }
  });
});

// Routes call named query functions (domain, views, jobs or db); no file of src/http builds SQL (issue 12).
describe('the HTTP layer', () => {
  const SQL = [/\b(db|tx|knex)\s*\(\s*['"`]/, /\.raw\s*\(/, /\b(SELECT|INSERT|UPDATE|DELETE)\s+[A-Za-z*]/];
  it('builds no SQL', () => {
    const builders = sourceFiles(path.join(ROOT, 'src/http'))
      .filter((f) => SQL.some((re) => re.test(readFileSync(f, 'utf8'))))
      .map((f) => path.relative(ROOT, f));
    expect(builders).toEqual([]);
  });
});

// The wire module (issue 19, D210–D211): what both sides of the Otto ↔ Shunya wire agree on lives in wire/
// once; it depends on nothing of the repository, and the conformance kit depends on nothing but it, the
// contracts and itself, so that it can be handed to Shunya on its own.
describe('the wire module', () => {
  const specifiers = (file: string) =>
    [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map(
      (m) => m[1] as string,
    );
  const wireFiles = () => sourceFiles(path.join(ROOT, 'wire'));

  it('imports only node: built-ins and its own files', () => {
    const foreign = wireFiles().flatMap((f) =>
      specifiers(f)
        .filter((s) => !s.startsWith('node:') && !(s.startsWith('./') && !s.includes('/', 2)))
        .map((s) => `${path.relative(ROOT, f)} → ${s}`),
    );
    expect(wireFiles().length).toBeGreaterThan(3);
    expect(foreign).toEqual([]);
  });

  it('the simulator and src/ both use it', () => {
    const users = (dir: string) =>
      sourceFiles(path.join(ROOT, dir)).filter((f) =>
        importsOf(f).some((i) => i === 'wire' || i.startsWith('wire/')),
      );
    expect(users('simulator').length).toBeGreaterThan(0);
    expect(users('src').length).toBeGreaterThan(0);
  });

  it('the conformance kit imports only wire/, generated/, contracts/ and its own files', () => {
    const kit = path.join(ROOT, 'scripts/conformance');
    const allowed = ['wire', 'generated', 'contracts', 'scripts/conformance'];
    const outside = sourceFiles(kit).flatMap((f) =>
      importsOf(f)
        .filter((i) => !allowed.some((a) => i === a || i.startsWith(`${a}/`)))
        .map((i) => `${path.relative(ROOT, f)} → ${i}`),
    );
    expect(outside).toEqual([]);
  });

  it('scripts/ imports nothing from test/', () => {
    expect(offending(['scripts'], ['test'])).toEqual([]);
  });

  // Every HMAC outside the tests goes through wire/hmac.ts; a signature written again elsewhere would
  // show up here (11 files had createHmac before issue 19; the bar is 3).
  it('createHmac appears in at most 3 files outside test/', () => {
    const dirs = ['src', 'simulator', 'scripts', 'wire', 'console/src'];
    const callers = dirs
      .flatMap((d) => sourceFiles(path.join(ROOT, d)))
      .filter((f) => /\bcreateHmac\b/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(callers).toContain('wire/hmac.ts');
    expect(callers.length).toBeLessThanOrEqual(3);
  });
});
