// `npm ci` on a fresh clone refuses a lock that is "not in sync" with package.json. A lock written on one
// platform by a partial install lacked Biome's other-platform binaries (issue 11 item 12): npm ci then
// failed everywhere. These checks read the committed lock the way npm ci's sync check does, for every
// platform at once, so CI fails on such a lock before a user does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.ts';

interface LockEntry {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
interface Lock {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** Where Node would find `name` from the package at `from` (its own node_modules, then each parent's). */
function resolve(lock: Lock, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (dir === '') return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i < 0 ? '' : dir.slice(0, i);
  }
}

/** Every dependency (optional ones included, whatever their os/cpu) that has no entry of its own. */
function unresolvedDependencies(lock: Lock): string[] {
  const missing: string[] = [];
  for (const [at, entry] of Object.entries(lock.packages)) {
    if (entry.link) continue;
    const peersOptional = entry.peerDependenciesMeta ?? {};
    const wanted = {
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...(at === '' ? entry.devDependencies : {}),
    };
    for (const name of Object.keys(wanted))
      if (!resolve(lock, at, name)) missing.push(`${at || '(root)'} → ${name}`);
    for (const name of Object.keys(entry.peerDependencies ?? {}))
      if (!peersOptional[name]?.optional && !resolve(lock, at, name))
        missing.push(`${at || '(root)'} → ${name} (peer)`);
  }
  return missing;
}

const read = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

describe('package-lock.json', () => {
  const lock = read('package-lock.json') as Lock;
  const pkg = read('package.json') as Record<string, Record<string, string> | undefined>;

  it('is a lockfile v3 whose root entry lists exactly package.json’s dependencies', () => {
    expect(lock.lockfileVersion).toBe(3);
    const root = lock.packages[''] as LockEntry;
    expect(root.dependencies ?? {}).toEqual(pkg.dependencies ?? {});
    expect(root.devDependencies ?? {}).toEqual(pkg.devDependencies ?? {});
    expect(root.optionalDependencies ?? {}).toEqual(pkg.optionalDependencies ?? {});
  });

  it('has an entry for every dependency of every package, optional ones for every platform included', () => {
    expect(unresolvedDependencies(lock)).toEqual([]);
  });

  it('pins every direct dependency exactly, at the version the lock holds', () => {
    for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(range, name).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(range);
    }
  });

  it('the check finds a missing platform package (as in the lock npm ci refused)', () => {
    const broken: Lock = {
      lockfileVersion: 3,
      packages: {
        '': { devDependencies: { '@biomejs/biome': '2.6.8' } },
        'node_modules/@biomejs/biome': {
          version: '2.6.8',
          optionalDependencies: { '@biomejs/cli-linux-x64': '2.6.8', '@biomejs/cli-darwin-arm64': '2.6.8' },
        },
        'node_modules/@biomejs/cli-linux-x64': { version: '2.6.8' },
      },
    };
    expect(unresolvedDependencies(broken)).toEqual([
      'node_modules/@biomejs/biome → @biomejs/cli-darwin-arm64',
    ]);
  });
});
