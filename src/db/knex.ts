// knex is the connection and transaction manager here, not an ORM: SQL lives in named functions
// next to the code that needs it (src/domain/*, src/pipeline/*).
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// int8 (bigint) columns hold Shunya call ids and counters, all far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export type Db = Knex;
export type Tx = Knex.Transaction;

export function createDb(url: string, poolMax = 10): Db {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 30_000,
  });
}
