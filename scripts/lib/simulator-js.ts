// The simulator compiled as `npm run build` compiles it (tsc, tsconfig.build.json, file by file), for the
// bench: production runs `node dist/simulator/main.js`, not tsx, and tsx's loader thread (a second V8
// isolate) is about 19 MB of RSS and some CPU that the bench would otherwise charge to the simulator (D490).
// Only simulator/ and what it imports are compiled (no type check: `npm run typecheck` does that), into
// .tmp/simulator-js/<pid>/ of the source tree (removed when this process exits, so two benches do not share
// one); `contracts` sits beside it, as dist/contracts does.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './procs.ts';

const compiled = new Map<string, string>();

/** `root`'s simulator compiled, once per process: the path of its main.js. */
export function compiledSimulator(root = ROOT): string {
  let main = compiled.get(root);
  if (!main) {
    main = compileSimulator(root);
    compiled.set(root, main);
  }
  return main;
}

/** Compiles `root`'s simulator and returns the path of its main.js. */
export function compileSimulator(root = ROOT): string {
  const out = path.join(root, '.tmp', 'simulator-js', String(process.pid));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  const config = path.join(out, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: '../../../tsconfig.build.json',
      include: ['../../../simulator'],
      exclude: ['../../../**/*.test.ts'],
      compilerOptions: { outDir: '.', rootDir: '../../..', noCheck: true, sourceMap: false },
    }),
  );
  const tsc = spawnSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', config], {
    cwd: root,
    encoding: 'utf8',
  });
  if (tsc.status !== 0)
    throw new Error(`compiling the simulator: tsc exited ${tsc.status}\n${tsc.stdout}${tsc.stderr}`);
  // the admin API serves ../../contracts/simulator-admin.openapi.yaml relative to its module
  symlinkSync(path.join(root, 'contracts'), path.join(out, 'contracts'));
  writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  return path.join(out, 'simulator', 'main.js');
}
