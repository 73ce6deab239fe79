// The import direction the design asks for (http → pipeline → shunya/domain → db; the simulator never
// imports from src/), checked on the source. shunya/ once imported from pipeline/ (issue 12).
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

describe('import direction', () => {
  it('shunya/, domain/ and db/ import nothing from pipeline/ or http/', () => {
    expect(offending(['src/shunya', 'src/domain', 'src/db'], ['src/pipeline', 'src/http'])).toEqual([]);
  });
  it('pipeline/ imports nothing from http/', () => {
    expect(offending(['src/pipeline'], ['src/http'])).toEqual([]);
  });
  it('the simulator imports nothing from src/', () => {
    expect(offending(['simulator'], ['src'])).toEqual([]);
  });
});

// A job's state is written by the transitions module only (issue 12): no other file of src/ writes the
// shunya_jobs table at all, in SQL or through knex.
describe("the job's state", () => {
  const WRITES = [
    /\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+shunya_jobs\b/i,
    /['"]shunya_jobs['"]\)(\s*\.\w+\((?:[^()]|\([^()]*\))*\))*\s*\.(update|insert|del|delete|upsert)\(/,
  ];
  const TRANSITIONS_DIR = path.join(ROOT, 'src/pipeline/transitions');

  it('is written by src/pipeline/transitions/ and nothing else', () => {
    const writers = sourceFiles(path.join(ROOT, 'src'))
      .filter((f) => !f.startsWith(`${TRANSITIONS_DIR}/`))
      .filter((f) => WRITES.some((re) => re.test(readFileSync(f, 'utf8'))))
      .map((f) => path.relative(ROOT, f));
    expect(writers).toEqual([]);
  });

  it('the check finds writes (in SQL and through knex)', () => {
    expect(WRITES[0]?.test(`UPDATE shunya_jobs SET job_status = 'failed'`)).toBe(true);
    expect(WRITES[1]?.test(`tx('shunya_jobs')\n  .where({ id })\n  .update({ job_status: 'x' })`)).toBe(true);
    expect(WRITES.some((re) => re.test(`db('shunya_jobs').where({ company_id }).first()`))).toBe(false);
  });
});

// Routes call named query functions (domain, pipeline or db); no file of src/http builds SQL (issue 12).
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
