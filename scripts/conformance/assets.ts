// The files the kit reads from the repository: the contracts and the speech fixtures. Run from the
// repository they are read from disk; `npm run conformance:pack` replaces this module with one that
// holds them all (scripts/conformance/pack.ts), so the packed kit reads nothing but its own file (D177).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Repository-relative paths of every file the kit may read; the pack embeds exactly these. */
export const ASSETS = [
  'contracts/shunya.openapi.yaml',
  'contracts/otto.openapi.yaml',
  'scripts/conformance/audio/csr-call.wav',
  'scripts/conformance/audio/csr-call.mp3',
  'scripts/conformance/audio/csr-call.m4a',
  'scripts/conformance/audio/sales-visit.wav',
  'scripts/conformance/audio/sales-visit.mp3',
  'scripts/conformance/audio/sales-visit.m4a',
] as const;

export type Asset = (typeof ASSETS)[number];

/** True in the packed kit (the bundle built by `npm run conformance:pack`). */
export const PACKED = false;

export function asset(name: Asset): Buffer {
  return readFileSync(path.join(ROOT, name));
}
