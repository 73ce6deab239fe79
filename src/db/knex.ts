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
 * Otto's statements are fixed texts run as named prepared statements (statement.ts): a generic plan made
 * once per connection serves every run. Postgres's default (`auto`) plans each one five times with the
 * run's values before it tries the generic plan, and keeps planning custom when the generic one's estimate
 * is higher: the stage completions (64-71 parameters) were planned at 1-15 ms a time (D560). Sent as a
 * startup option so that it holds on a user's own Postgres too; an `options` in DATABASE_URL wins, and
 * DB_PLAN_CACHE_MODE=off sends none (a pooler that refuses startup options).
 */
export const DEFAULT_PLAN_CACHE_MODE = 'force_generic_plan';

export interface PoolSize {
  max: number;
  /** connections kept open when idle: a new backend parses and plans every statement again (D561) */
  min?: number;
  /** plan_cache_mode for the pool's connections (null: the server's own) */
  planCacheMode?: string | null;
}

/**
 * With a logger, knex's own warnings (a connection lost or refused while Postgres restarts) go to it as
 * structured lines instead of to the console; the query that met the error fails and is handled (D40).
 */
export function createDb(url: string, pool: number | PoolSize = 10, logger?: Logger): Db {
  const log = logger?.child({ component: 'knex' });
  const size: PoolSize = typeof pool === 'number' ? { max: pool } : pool;
  const planCacheMode = size.planCacheMode === undefined ? DEFAULT_PLAN_CACHE_MODE : size.planCacheMode;
  const db = knexFactory({
    client: 'pg',
    connection: {
      connectionString: url,
      ...(planCacheMode ? { options: `-c plan_cache_mode=${planCacheMode}` } : {}),
    },
    pool: { min: Math.min(size.min ?? 0, size.max), max: size.max },
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
