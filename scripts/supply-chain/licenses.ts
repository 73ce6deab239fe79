// npm run licenses: the licence of every production dependency (package-lock.json's non-dev packages, each
// read from its installed package.json, the lock's record when it is not installed here), and a check that
// each one is allowed by scripts/supply-chain/allowlist.json: an SPDX licence of the list, an expression
// whose every AND-part has an allowed OR-alternative, or a named exception with its reason (D189).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProductionPackage, productionPackages, readLockfile } from './lock.ts';

export interface Allowlist {
  allowed: string[];
  exceptions: { package: string; license: string; reason: string }[];
}

export interface LicenseRow {
  location: string;
  name: string;
  version: string;
  license: string;
  /** Where the licence was read: the installed package.json, or the lock when the package is not installed. */
  from: 'package.json' | 'lock';
  verdict: 'allowed' | 'exception' | 'refused';
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ALLOWLIST = path.join(ROOT, 'scripts/supply-chain/allowlist.json');

/** The licence a package.json states: `license`, or the old `licenses: [{type}]` form. */
export function declaredLicense(pkg: { license?: unknown; licenses?: unknown }): string | undefined {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license && typeof pkg.license === 'object' && 'type' in pkg.license)
    return String(pkg.license.type);
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map((l: { type?: string }) => l.type).join(' OR ');
  return undefined;
}

/** Whether an SPDX expression is allowed: (A OR B) needs one of them, A AND B needs both. */
export function expressionAllowed(expression: string, allowed: ReadonlySet<string>): boolean {
  const e = expression.trim().replace(/^\((.*)\)$/, '$1');
  if (/ OR /i.test(e)) return e.split(/ OR /i).some((part) => expressionAllowed(part, allowed));
  if (/ AND /i.test(e)) return e.split(/ AND /i).every((part) => expressionAllowed(part, allowed));
  return allowed.has(e);
}

export function judge(
  pkg: Pick<ProductionPackage, 'name'>,
  license: string | undefined,
  list: Allowlist,
): LicenseRow['verdict'] {
  if (list.exceptions.some((x) => x.package === pkg.name && x.license === (license ?? 'UNKNOWN')))
    return 'exception';
  if (license && expressionAllowed(license, new Set(list.allowed))) return 'allowed';
  return 'refused';
}

export function licenseRows(root: string, list: Allowlist): LicenseRow[] {
  return productionPackages(readLockfile(root)).flatMap((p) => {
    const manifest = path.join(root, p.location, 'package.json');
    const installed = existsSync(manifest);
    // Platform packages of another machine are neither installed nor shipped from here.
    if (!installed && p.optional) return [];
    const license = installed ? declaredLicense(JSON.parse(readFileSync(manifest, 'utf8'))) : p.license;
    return [
      {
        location: p.location,
        name: p.name,
        version: p.version,
        license: license ?? 'UNKNOWN',
        from: installed ? ('package.json' as const) : ('lock' as const),
        verdict: judge(p, license, list),
      },
    ];
  });
}

export const readAllowlist = (file = ALLOWLIST): Allowlist => JSON.parse(readFileSync(file, 'utf8'));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const list = readAllowlist();
  const rows = licenseRows(ROOT, list);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.license, (counts.get(r.license) ?? 0) + 1);
  if (process.argv.includes('--list')) {
    for (const r of rows) console.log(`${r.name}@${r.version}\t${r.license}\t${r.verdict}`);
  }
  console.log(`${rows.length} production packages, by licence:`);
  for (const [license, n] of [...counts].sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(n).padStart(4)}  ${license}`);
  for (const r of rows.filter((x) => x.verdict === 'exception')) {
    const why = list.exceptions.find((x) => x.package === r.name)?.reason;
    console.log(`exception: ${r.name}@${r.version} (${r.license}): ${why}`);
  }
  const refused = rows.filter((r) => r.verdict === 'refused');
  for (const r of refused)
    console.error(`NOT ALLOWED: ${r.location}@${r.version}: ${r.license} (from ${r.from})`);
  if (refused.length > 0) {
    console.error(`${refused.length} package(s) outside ${path.relative(ROOT, ALLOWLIST)}`);
    process.exitCode = 1;
  } else console.log(`every licence is allowed by ${path.relative(ROOT, ALLOWLIST)}`);
}
