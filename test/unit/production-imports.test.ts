// What the production build runs (`npm ci --omit=dev`, then `node dist/…`, D186) imports only packages
// of package.json's `dependencies`: the import graph of every production entry point, followed through
// relative imports, names no development dependency at run time (type-only imports vanish when compiled).
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.ts';

/** The entry points dist/ runs, by their source (tsconfig.build.json compiles them). */
const PRODUCTION_ENTRIES = [
  'src/main.ts',
  'simulator/main.ts',
  'scripts/db-migrate.ts',
  'scripts/company-create.ts',
  'scripts/mint-token.ts',
  'scripts/operator.ts',
];

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The runtime import specifiers of a TypeScript module (static, re-exports and dynamic). */
function runtimeImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    if (!m[2]) found.push(m[4]!);
  }
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

const packageName = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** Every package the modules reachable from `entries` import at run time, with one importer each. */
function packagesImported(entries: string[]): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = entries.map((e) => path.join(ROOT, e));
  for (let file = queue.shift(); file; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (target.endsWith('.ts') && existsSync(target)) queue.push(target);
      } else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) {
        if (!packages.has(packageName(spec))) packages.set(packageName(spec), path.relative(ROOT, file));
      }
    }
  }
  return packages;
}

describe('the production entry points', () => {
  it('find their imports (so the check can fail)', () => {
    expect(
      runtimeImports("import type { A } from 'x';\nimport { b, type C } from 'y';\nconst z = import('z');"),
    ).toEqual(['y', 'z']);
    expect([...packagesImported(['src/main.ts']).keys()]).toEqual(expect.arrayContaining(['koa', 'pg']));
  });

  it('import at run time only packages of `dependencies`, never a development dependency', () => {
    const outside = [...packagesImported(PRODUCTION_ENTRIES)]
      .filter(([name]) => !(name in pkg.dependencies))
      .map(([name, importer]) => `${name} (imported by ${importer})`);
    expect(outside).toEqual([]);
  });
});
