// How Otto's connections reach Postgres and what they carry (D560-D562): over the embedded server's Unix
// socket, with generic plans for its prepared statements, and pools that keep their connections warm.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketDirectory, startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { isDatabaseUnavailable } from '../../src/db/errors.ts';
import { createDb, type Db } from '../../src/db/knex.ts';
import { run } from '../../src/db/statement.ts';
import { createLogger } from '../../src/logger.ts';
import { freePort } from '../../src/util/net.ts';
import { createWorkerPool } from '../../src/worker/worker.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
let db: Db;
let pool: pg.Pool;

beforeAll(async () => {
  t = await createTestDatabase();
  db = createDb(t.url, { max: 3, min: 3 });
  pool = createWorkerPool(t.url, 4, createLogger('silent'), 4);
});
afterAll(async () => {
  await pool.end();
  await db.destroy();
  await t.drop();
});

/** inet_server_addr() is null on a Unix-domain socket, the server's address over TCP. */
const SOCKET = 'SELECT inet_server_addr() IS NULL AS unix';

describe("Otto's connections to the embedded Postgres", () => {
  it('go over its Unix-domain socket: knex, and graphile-worker pool', async () => {
    if (process.env.DATABASE_URL) return; // a user's server: the URL decides
    const viaKnex = await db.raw(SOCKET);
    expect(viaKnex.rows[0].unix).toBe(true);
    const viaWorker = await pool.query(SOCKET);
    expect(viaWorker.rows[0].unix).toBe(true);
  });

  it('plan prepared statements once, generically (knex connections)', async () => {
    const setting = await db.raw(`SELECT current_setting('plan_cache_mode') AS mode`);
    expect(setting.rows[0].mode).toBe('force_generic_plan');
    // a prepared statement run once is already a generic plan: Postgres counts it in the view
    const text = `SELECT count(*)::int AS n FROM pg_class WHERE relname = :name /* ${t.name} */`;
    await run(db, { sql: text, bindings: { name: 'pg_class' } as never });
    const plans = await db.raw(
      `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE ?`,
      [`%${t.name}%`],
    );
    expect(plans.rows).toEqual([{ generic_plans: 1, custom_plans: 0 }]);
  });

  it("send no plan_cache_mode when told not to (DB_PLAN_CACHE_MODE=off): the server's own holds", async () => {
    const plain = createDb(t.url, { max: 1, planCacheMode: null });
    try {
      const setting = await plain.raw(`SELECT current_setting('plan_cache_mode') AS mode`);
      expect(setting.rows[0].mode).toBe('auto');
    } finally {
      await plain.destroy();
    }
  });

  it('keep a floor of connections open when idle (knex and graphile-worker pools)', () => {
    const knexPool = (db.client as { pool: { min: number; max: number } }).pool;
    expect([knexPool.min, knexPool.max]).toEqual([3, 3]);
    expect((pool as unknown as { options: { min: number; max: number } }).options).toMatchObject({
      min: 4,
      max: 4,
    });
  });
});

describe('a Postgres that is down, reached over its socket', () => {
  it('is "unavailable" (503 and retried), not a bug: its socket file is gone, connect fails ENOENT', async () => {
    const gone = createDb(
      `postgres://postgres:postgres@127.0.0.1:5432/otto?host=/tmp/${t.name}-none`,
      1,
      createLogger('silent'),
    );
    try {
      const e = await gone.raw('SELECT 1').then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toMatchObject({ code: 'ENOENT', syscall: 'connect' });
      expect(isDatabaseUnavailable(e)).toBe(true);
    } finally {
      await gone.destroy();
    }
  });
});

describe('socketDirectory', () => {
  it("is the data directory while the socket's path fits sun_path, none beyond", () => {
    expect(socketDirectory('/tmp/otto/pg', 54329)).toBe('/tmp/otto/pg');
    const deep = `/tmp/${'d'.repeat(90)}`; // + /.s.PGSQL.54329 = 111 bytes
    expect(socketDirectory(deep, 54329)).toBeNull();
  });
});

describe('a second process starting the same embedded Postgres', () => {
  it('shares the running server and its socket (as `npm run db:migrate` beside `npm start`)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'otto-pg-share-'));
    await chmod(dir, 0o755); // as root, Postgres runs as another OS user that must enter it
    const options = { dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'otto' };
    const first = await startEmbeddedPostgres(options);
    try {
      const second = await startEmbeddedPostgres(options);
      expect(second.url).toBe(first.url);
      expect(new URL(second.url).searchParams.get('host')).toBe(path.join(dir, 'pg'));
      const shared = createDb(second.url, 1);
      try {
        expect((await shared.raw(SOCKET)).rows[0].unix).toBe(true);
      } finally {
        await shared.destroy();
      }
    } finally {
      await first.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
