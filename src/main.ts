// Otto's entry point: parses the config, opens the database (embedded by default), migrates, and runs
// the role asked for (OTTO_ROLE: api, worker or all). SIGINT/SIGTERM shut down gracefully.
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Config, loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { createDb } from './db/knex.ts';
import { migrateAll } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import { createLogger, type Logger } from './logger.ts';

export interface RunningOtto {
  url: string;
  databaseUrl: string;
  close(): Promise<void>;
}

export async function startOtto(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningOtto> {
  const database = await openDatabase(config, (line) => logger.debug({ postgres: line.trim() }));
  const db = createDb(database.url, config.db.poolMax);
  const applied = await migrateAll(db, database.url);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  let server: Server | undefined;
  if (config.role === 'api' || config.role === 'all') {
    const app = buildApp({ config, db, logger, workerCheck: async () => 'disabled' });
    server = createServer(app.callback());
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(config.http.port, config.http.host, resolve);
    });
  }
  const address = server?.address();
  const url = typeof address === 'object' && address ? `http://${config.http.host}:${address.port}` : '';
  logger.info({ url, role: config.role, embedded_postgres: database.embedded }, 'otto started');

  return {
    url,
    databaseUrl: database.url,
    async close() {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        });
      }
      await db.destroy();
      await database.stop();
      logger.info('otto stopped');
    },
  };
}

/** Runs until SIGINT/SIGTERM, then shuts down gracefully. */
export async function runUntilSignal(close: () => Promise<void>, logger: Logger): Promise<void> {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (e) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const otto = await startOtto(config, logger);
  await runUntilSignal(otto.close, logger);
}
