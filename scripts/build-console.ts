// npm run build:console: bundles the console (console/src, Preact + the generated Otto SDK) with esbuild
// into console/dist/, which Otto serves at /console. Runs in `npm install` (prepare), in `npm start` and
// before the test suites; takes well under a second. Nothing is fetched at run time: the bundle holds it all.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CONSOLE_SRC = path.join(ROOT, 'console');
export const CONSOLE_OUT = path.join(ROOT, 'console/dist');

export async function buildConsole(): Promise<void> {
  await mkdir(CONSOLE_OUT, { recursive: true });
  await build({
    entryPoints: { app: path.join(CONSOLE_SRC, 'src/main.tsx') },
    outdir: CONSOLE_OUT,
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
    legalComments: 'none',
  });
  await copyFile(path.join(CONSOLE_SRC, 'index.html'), path.join(CONSOLE_OUT, 'index.html'));
  await copyFile(path.join(CONSOLE_SRC, 'styles.css'), path.join(CONSOLE_OUT, 'app.css'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await buildConsole();
  console.log(
    `console built into ${path.relative(ROOT, CONSOLE_OUT)}/ in ${Math.round(performance.now() - started)} ms`,
  );
}
