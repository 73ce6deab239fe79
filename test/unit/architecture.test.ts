// The import direction the design asks for (http → pipeline → shunya/domain → db; the simulator never
// imports from src/), checked on the source. shunya/ once imported from pipeline/ (issue 12).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.ts';

export function sourceFiles(dir: string): string[] {
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
