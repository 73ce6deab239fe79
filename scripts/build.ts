// npm run build: the production build in dist/ (D186). tsc compiles Otto (src/), the wire module (wire/),
// the simulator, the generated contract code and the operator scripts (migrations, tenants, operators,
// tokens) file by file, rewriting the `.ts` import specifiers to `.js` (rewriteRelativeImportExtensions); nothing is bundled, so
// dist/ mirrors the source tree and a stack trace names the file a reader opens. Beside the code, what it
// reads at run time: the prebuilt console, the contracts and their bundles (/docs, /contracts), the
// migrations' .sql files; and the SBOM of the production dependencies. `npm ci --omit=dev` then
// `node dist/src/main.js` runs without tsx or any development dependency.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole, CONSOLE_OUT } from './build-console.ts';
import { writeSbom } from './supply-chain/sbom.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');

/** What dist/ holds besides compiled code, source → destination, both relative to the repository. */
export const ASSETS: [string, string][] = [
  ['console/dist', 'dist/console/dist'],
  ['contracts', 'dist/contracts'],
  ['generated/bundled', 'dist/generated/bundled'],
  ['src/db/migrations', 'dist/src/db/migrations'],
];

function du(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? du(p) : statSync(p).size;
  }
  return total;
}

export async function build(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = spawnSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json exited with ${tsc.status}`);
  await buildConsole();
  for (const [from, to] of ASSETS) {
    mkdirSync(path.dirname(path.join(ROOT, to)), { recursive: true });
    cpSync(path.join(ROOT, from), path.join(ROOT, to), {
      recursive: true,
      filter: (src) => !src.endsWith('.ts'),
    });
  }
  // dist/ on its own is still ES modules, wherever it is copied.
  writeFileSync(path.join(DIST, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  writeSbom(path.join(DIST, 'sbom.cdx.json'), ROOT);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await build();
  const mb = (du(DIST) / 1e6).toFixed(1);
  console.log(
    `built dist/ (${mb} MB) in ${Math.round(performance.now() - started)} ms; console from ${path.relative(ROOT, CONSOLE_OUT)}/`,
  );
}
