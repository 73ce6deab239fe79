// npm run conformance:pack: the kit for a team without Otto's repository (D177). Builds
// - dist/conformance/otto-shunya-conformance.mjs: one file, Node ≥ 20, no dependencies (esbuild bundles
//   every import; the contracts and the speech fixtures are inside, replacing assets.ts), and
// - dist/conformance/otto-shunya-conformance-<version>.tgz: a package of that file with a `bin`
//   (`npm install -g ./otto-shunya-conformance-<version>.tgz` gives the `otto-shunya-conformance` command).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { ASSETS } from './assets.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT_DIR = path.join(ROOT, 'dist/conformance');
export const NAME = 'otto-shunya-conformance';
export const BUNDLE = path.join(OUT_DIR, `${NAME}.mjs`);
const DOCS = ['docs/implementing-shunya.md', 'contracts/shunya.openapi.yaml'];

/** assets.ts as the pack has it: every file inside, base64. */
function packedAssets(): string {
  const files = ASSETS.map(
    (a) => `  ${JSON.stringify(a)}: ${JSON.stringify(readFileSync(path.join(ROOT, a)).toString('base64'))},`,
  );
  return [
    `const FILES = {\n${files.join('\n')}\n};`,
    `export const ASSETS = Object.keys(FILES);`,
    'export const PACKED = true;',
    `export function asset(name) {`,
    `  const b64 = FILES[name];`,
    `  if (b64 === undefined) throw new Error('not in the pack: ' + name);`,
    `  return Buffer.from(b64, 'base64');`,
    `}`,
  ].join('\n');
}

const embedAssets: Plugin = {
  name: 'embed-assets',
  setup(b) {
    const source = path.join(ROOT, 'scripts/conformance/assets.ts');
    b.onLoad({ filter: /[/\\]assets\.ts$/ }, (args) =>
      args.path === source ? { contents: packedAssets(), loader: 'js' } : undefined,
    );
  },
};

const version = (): string => JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

async function bundle(): Promise<void> {
  await build({
    entryPoints: [path.join(ROOT, 'scripts/conformance/main.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [embedAssets],
    // CommonJS dependencies (ajv) call require() for Node's own modules; an ES module has none.
    banner: {
      js: `#!/usr/bin/env node\n// ${NAME} ${version()}: the Otto ↔ Shunya conformance kit (built by npm run conformance:pack).\nimport { createRequire as __kitRequire } from 'node:module';\nconst require = __kitRequire(import.meta.url);`,
    },
  });
  chmodSync(BUNDLE, 0o755);
}

function packageReadme(): string {
  return readFileSync(path.join(ROOT, 'scripts/conformance/PACK-README.md'), 'utf8').replaceAll(
    '{{version}}',
    version(),
  );
}

/** The npm package: package.json with the bin, the bundle, the README; packed with `npm pack`. */
function tarball(): string {
  const dir = path.join(OUT_DIR, 'package');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pkg = {
    name: NAME,
    version: version(),
    description:
      "Checks a Shunya deployment against Otto's contract (contracts/shunya.openapi.yaml) and the handoff's §13 checklist",
    type: 'module',
    bin: { [NAME]: `${NAME}.mjs` },
    files: [`${NAME}.mjs`, 'README.md', ...DOCS.map((f) => path.basename(f))],
    engines: { node: '>=20' },
    license: 'UNLICENSED',
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(path.join(dir, `${NAME}.mjs`), readFileSync(BUNDLE), { mode: 0o755 });
  writeFileSync(path.join(dir, 'README.md'), packageReadme());
  // To read, not read by the kit: the guide and the contract its report cites.
  for (const f of DOCS) writeFileSync(path.join(dir, path.basename(f)), readFileSync(path.join(ROOT, f)));
  execFileSync('npm', ['pack', '--pack-destination', OUT_DIR, '--silent'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return path.join(OUT_DIR, `${NAME}-${version()}.tgz`);
}

export async function pack(): Promise<{ bundle: string; tarball: string }> {
  mkdirSync(OUT_DIR, { recursive: true });
  await bundle();
  return { bundle: BUNDLE, tarball: tarball() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await pack();
  for (const f of [out.bundle, out.tarball])
    console.log(`${path.relative(process.cwd(), f)}: ${(statSync(f).size / 1_048_576).toFixed(2)} MB`);
}
