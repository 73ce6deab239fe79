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
  const db = knexFactory({
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
  rememberPositions(db.client as PositionBindings);
  return db;
}

interface PositionBindings {
  positionBindings(sql: string): string;
}

/** Texts whose `$n` form is kept: the statements Otto runs are a few hundred fixed texts. */
const POSITIONED_MAX = 2000;
/** Shorter texts are positioned again at each run: scanning them costs less than looking them up. */
const POSITIONED_MIN_LENGTH = 256;

/**
 * knex turns every statement's `?` into `$1, $2, …` with a regular expression over the whole text, at every
 * run; the transitions' texts are several kilobytes and always the same, so their `$n` form is kept (D481).
 * The result is the dialect's own function's, a pure function of the text; a text met once too often
 * beyond the bound (SQL built with inline values) is simply positioned again.
 */
function rememberPositions(client: PositionBindings): void {
  const position = client.positionBindings.bind(client);
  const kept = new Map<string, string>();
  client.positionBindings = (sql: string) => {
    if (sql.length < POSITIONED_MIN_LENGTH) return position(sql);
    let out = kept.get(sql);
    if (out === undefined) {
      out = position(sql);
      if (kept.size < POSITIONED_MAX) kept.set(sql, out);
    }
    return out;
  };
}

const firstLine = (m: unknown): string => String(m).split('\n')[0] ?? '';

/** One trivial round trip: whether the database answers (readiness). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.raw('SELECT 1');
}
