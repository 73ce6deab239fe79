// knex is the connection and transaction manager here, not an ORM: SQL lives in named functions
// next to the code that needs it (src/domain/*, src/jobs/*, src/steps/*, …).
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../logger.ts';

// int8 (bigint) columns hold Shunya call ids and counters, all far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export type Db = Knex;
export type Tx = Knex.Transaction;

/**
 * With a logger, knex's own warnings (a connection lost or refused while Postgres restarts) go to it as
 * structured lines instead of to the console; the query that met the error fails and is handled (D40).
 */
export function createDb(url: string, poolMax = 10, logger?: Logger): Db {
  const log = logger?.child({ component: 'knex' });
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 30_000,
    ...(log && {
      log: {
        warn: (message: string) => log.warn(firstLine(message)),
        error: (message: string) => log.error(firstLine(message)),
        deprecate: (method: string, alternative: string) =>
          log.warn({ method, alternative }, 'knex deprecation'),
        debug: (message: string) => log.debug(firstLine(message)),
      },
    }),
  });
}

const firstLine = (m: unknown): string => String(m).split('\n')[0] ?? '';

/** One trivial round trip: whether the database answers (readiness). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.raw('SELECT 1');
}
