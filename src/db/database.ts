// Which Postgres Otto uses: DATABASE_URL when set, otherwise the embedded default under OTTO_DATA_DIR.
import path from 'node:path';
import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from './embedded.ts';

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
    ...(onLog ? { onLog } : {}),
  });
  return { url: pg.url, embedded: true, stop: pg.stop };
}
