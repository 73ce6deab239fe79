// A short-lived Postgres for tests, scripts and benchmarks: DATABASE_URL's server when set (databases
// are created and dropped on it), otherwise an embedded cluster in a temporary directory that is
// deleted on stop. Durability is traded for speed (fsync off): never use this for data you keep.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../util/net.ts';
import { startEmbeddedPostgres } from './embedded.ts';

export interface ThrowawayPostgres {
  /** A URL that may CREATE and DROP databases. */
  adminUrl: string;
  /** True when this is our own embedded cluster (so it may be restarted or stopped freely). */
  embedded: boolean;
  stop(): Promise<void>;
}

export async function startThrowawayPostgres(
  options: { settings?: Record<string, string>; useDatabaseUrl?: boolean } = {},
): Promise<ThrowawayPostgres> {
  if ((options.useDatabaseUrl ?? true) && process.env.DATABASE_URL) {
    return { adminUrl: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'otto-pg-'));
  // mkdtemp makes the directory private; as root, Postgres runs as another OS user that must enter it.
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    port: await freePort(),
    database: 'postgres',
    persistent: false,
    settings: {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '400',
      ...options.settings,
    },
  });
  return {
    adminUrl: server.adminUrl,
    embedded: true,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
