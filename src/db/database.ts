// Which Postgres Otto uses: DATABASE_URL when set, otherwise the embedded default under OTTO_DATA_DIR.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from './embedded.ts';

/** Where production's embedded superuser password is kept, beside the cluster (D137). */
export const passwordFile = (config: Config) => path.join(config.db.dataDir, 'pg-superuser-password');

/** The generated superuser password: read from its 0600 file, or made and written there on the first start. */
async function generatedPassword(file: string): Promise<string> {
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    await chmod(file, 0o600); // an operator's copy may have come with looser permissions
    if (kept.length > 0) return kept;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const password = randomBytes(32).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(config: Config, onLog?: (line: string) => void): Promise<Database> {
  if (config.db.url) return { url: config.db.url, embedded: false, stop: async () => {} };
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(config.db.dataDir, 'pg'),
    port: config.db.embeddedPort,
    database: 'otto',
    // production: a generated password; a cluster initialised with `postgres` is rotated to it (D137)
    ...(config.db.generatedPassword
      ? { password: await generatedPassword(passwordFile(config)), previousPassword: 'postgres' }
      : {}),
    ...(onLog ? { onLog } : {}),
  });
  return { url: pg.url, embedded: true, stop: pg.stop };
}
