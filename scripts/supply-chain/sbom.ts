// A CycloneDX 1.6 SBOM (JSON) of the production dependencies, from package-lock.json: one component per
// installed package (its purl, version, licence and the lock's integrity hash), and the dependency graph as
// the lock resolves it. `npm run build` writes it to dist/sbom.cdx.json; `npm run sbom` to stdout or a
// file. A small script of ours rather than a package: the lock already holds everything (D189).
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Lockfile, productionPackages, readLockfile } from './lock.ts';

export interface CdxComponent {
  type: 'library';
  'bom-ref': string;
  name: string;
  group?: string;
  version: string;
  scope: 'required' | 'optional';
  purl: string;
  licenses?: ({ license: { id: string } } | { expression: string })[];
  hashes?: { alg: 'SHA-512' | 'SHA-384' | 'SHA-256' | 'SHA-1'; content: string }[];
}

export interface Sbom {
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: { type: 'application'; name: string; version: string }[] };
    component: { type: 'application'; 'bom-ref': string; name: string; version: string; purl: string };
  };
  components: CdxComponent[];
  dependencies: { ref: string; dependsOn: string[] }[];
}

/** pkg:npm/%40scope/name@version (the purl spec percent-encodes the scope's @). */
export function purl(name: string, version: string): string {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;
}

const SPDX_ID = /^[A-Za-z0-9.+-]+$/;
const HASH_ALGS = { sha512: 'SHA-512', sha384: 'SHA-384', sha256: 'SHA-256', sha1: 'SHA-1' } as const;

function licenses(license: string | undefined): CdxComponent['licenses'] {
  if (!license) return undefined;
  return SPDX_ID.test(license) ? [{ license: { id: license } }] : [{ expression: license }];
}

/** The lock's SRI integrity (sha512-<base64>) as CycloneDX's hex hash. */
function hashes(integrity: string | undefined): CdxComponent['hashes'] {
  const m = integrity ? /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(integrity.split(' ')[0] ?? '') : null;
  if (!m) return undefined;
  return [
    { alg: HASH_ALGS[m[1] as keyof typeof HASH_ALGS], content: Buffer.from(m[2]!, 'base64').toString('hex') },
  ];
}

/** Where npm finds `dep` for the package at `from`: the nearest node_modules up the tree. */
function resolveLocation(lock: Lockfile, from: string, dep: string): string | undefined {
  for (let base = from; ; ) {
    const candidate = base ? `${base}/node_modules/${dep}` : `node_modules/${dep}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

export function buildSbom(lock: Lockfile, now = new Date()): Sbom {
  const packages = productionPackages(lock);
  const refOf = new Map(packages.map((p) => [p.location, `${purl(p.name, p.version)}#${p.location}`]));
  const root = purl(lock.name, lock.version);
  const components: CdxComponent[] = packages.map((p) => {
    const slash = p.name.startsWith('@') ? p.name.indexOf('/') : -1;
    return {
      type: 'library',
      'bom-ref': refOf.get(p.location)!,
      ...(slash > 0 ? { group: p.name.slice(0, slash), name: p.name.slice(slash + 1) } : { name: p.name }),
      version: p.version,
      scope: p.optional ? 'optional' : 'required',
      purl: purl(p.name, p.version),
      ...(licenses(p.license) ? { licenses: licenses(p.license) } : {}),
      ...(hashes(p.integrity) ? { hashes: hashes(p.integrity) } : {}),
    };
  });
  const dependsOn = (location: string) => {
    const e = lock.packages[location] ?? {};
    const deps = Object.keys({ ...e.dependencies, ...e.optionalDependencies });
    return deps
      .map((d) => resolveLocation(lock, location, d))
      .flatMap((l) => (l && refOf.has(l) ? [refOf.get(l)!] : []));
  };
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: now.toISOString(),
      tools: {
        components: [{ type: 'application', name: 'otto scripts/supply-chain/sbom.ts', version: '1' }],
      },
      component: { type: 'application', 'bom-ref': root, name: lock.name, version: lock.version, purl: root },
    },
    components,
    dependencies: [
      { ref: root, dependsOn: dependsOn('') },
      ...packages.map((p) => ({ ref: refOf.get(p.location)!, dependsOn: dependsOn(p.location) })),
    ],
  };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function writeSbom(file: string, root = ROOT): Sbom {
  const sbom = buildSbom(readLockfile(root));
  writeFileSync(file, `${JSON.stringify(sbom, null, 2)}\n`);
  return sbom;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (out) {
    const sbom = writeSbom(path.resolve(out));
    console.log(`${out}: CycloneDX ${sbom.specVersion}, ${sbom.components.length} components`);
  } else console.log(JSON.stringify(buildSbom(readLockfile(ROOT)), null, 2));
}
