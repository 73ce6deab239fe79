// Issue 16, finding 7: production without DATABASE_URL ran the embedded Postgres with the superuser
// `postgres`/`postgres`, which any local shell could use (read every tenant's CallRail signing key, run
// `COPY … FROM PROGRAM`). Now production refuses to start without DATABASE_URL unless
// OTTO_EMBEDDED_POSTGRES=true, and then the superuser's password is generated, kept in a 0600 file in
// the data directory and reused; a cluster initialised with `postgres` is rotated to it on start (D137).
// Otto runs as a real process (src/main.ts), as an operator would start it.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { freePort } from '../../src/util/net.ts';
import { productionEnv } from '../helpers/production.ts';
import { ROOT, start } from '../helpers/spawn.ts';

const execFileP = promisify(execFile);
const PRODUCTION = { ...productionEnv(), LOG_LEVEL: 'info', DATABASE_URL: undefined };
const dirs: string[] = [];

async function dataDirectory(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'otto-prod-pg-'));
  await chmod(dir, 0o755); // as root, Postgres runs as another OS user that must enter it
  dirs.push(dir);
  return dir;
}

/** Starts Otto in production on the embedded Postgres, returns once it serves, and stops it afterwards. */
async function runOtto(dataDir: string, pgPort: number): Promise<void> {
  const otto = await start(process.execPath, ['--import', 'tsx', 'src/main.ts'], /"msg":"otto started"/, {
    env: {
      ...PRODUCTION,
      OTTO_EMBEDDED_POSTGRES: 'true',
      OTTO_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      PORT: String(await freePort()),
    },
    timeoutMs: 90_000,
  });
  // gracefully, as an operator's SIGTERM: Otto stops its Postgres last, leaving no postmaster.pid behind
  await otto.stop(30_000);
  expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
}

/** Whether the superuser logs in with `password` (while a short-lived cluster runs on the data). */
async function logsIn(pgPort: number, password: string): Promise<boolean> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: pgPort,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (e) {
    expect((e as { code?: string }).code).toBe('28P01'); // password authentication failed, nothing else
    return false;
  }
}

/** Runs the cluster in `dataDir` again (with the kept password) to ask it who may log in. */
async function withCluster<T>(
  dataDir: string,
  pgPort: number,
  password: string,
  f: () => Promise<T>,
): Promise<T> {
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'pg'),
    port: pgPort,
    database: 'postgres',
    password,
  });
  try {
    return await f();
  } finally {
    await server.stop();
  }
}

const passwordFile = (dataDir: string) => path.join(dataDir, 'pg-superuser-password');

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('production and the embedded Postgres (issue 16, finding 7)', () => {
  it('without DATABASE_URL or OTTO_EMBEDDED_POSTGRES=true, refuses to start with one clear line', async () => {
    const dataDir = await dataDirectory();
    const failed = await execFileP(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...PRODUCTION,
        DATABASE_URL: '',
        OTTO_EMBEDDED_POSTGRES: '',
        OTTO_DATA_DIR: dataDir,
        PORT: String(await freePort()),
        EMBEDDED_PG_PORT: String(await freePort()),
      },
      timeout: 60_000,
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(
      'DATABASE_URL: must be set in production (or OTTO_EMBEDDED_POSTGRES=true to run the embedded Postgres)',
    );
    expect(failed?.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(() => statSync(path.join(dataDir, 'pg'))).toThrow(); // no cluster was made
  }, 90_000);

  describe('opted in', () => {
    let dataDir: string;
    let pgPort: number;
    let password: string;

    beforeAll(async () => {
      dataDir = await dataDirectory();
      pgPort = await freePort();
      await runOtto(dataDir, pgPort);
      password = readFileSync(passwordFile(dataDir), 'utf8').trim();
    }, 120_000);

    it('generates the superuser password and keeps it in a 0600 file in the data directory', () => {
      expect(statSync(passwordFile(dataDir)).mode & 0o777).toBe(0o600);
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(password).not.toBe('postgres');
    });

    it('so postgres/postgres no longer logs in; the kept password does, and is reused on the next start', async () => {
      await runOtto(dataDir, pgPort);
      expect(readFileSync(passwordFile(dataDir), 'utf8').trim()).toBe(password);
      await withCluster(dataDir, pgPort, password, async () => {
        expect(await logsIn(pgPort, 'postgres')).toBe(false);
        expect(await logsIn(pgPort, password)).toBe(true);
      });
    }, 120_000);
  });

  it('rotates a cluster initialised with postgres/postgres (by an earlier version) to a generated password', async () => {
    const dataDir = await dataDirectory();
    const pgPort = await freePort();
    const legacy = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'pg'),
      port: pgPort,
      database: 'otto',
    });
    await legacy.stop();
    await runOtto(dataDir, pgPort);
    const password = readFileSync(passwordFile(dataDir), 'utf8').trim();
    expect(password).not.toBe('postgres');
    await withCluster(dataDir, pgPort, password, async () => {
      expect(await logsIn(pgPort, 'postgres')).toBe(false);
      expect(await logsIn(pgPort, password)).toBe(true);
    });
  }, 120_000);
});
