// graphile-worker retries its own bookkeeping (completing, failing, fetching jobs) only for errors whose
// `code` it knows (D41). pg reports a connection that drops mid-query with no code at all ("Connection
// terminated unexpectedly"): the chaos run with two worker processes and a Postgres restart saw a worker
// die of exactly that in graphile-worker's failJobs (D95). Here the connection is cut by a TCP proxy in
// the middle of a query made through graphile-worker's own retrying client, over Otto's worker pool.
import { makeWithPgClientFromPool } from 'graphile-worker/dist/helpers.js';
import { makeEnhancedWithPgClient } from 'graphile-worker/dist/lib.js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createWorkerPool } from '../../src/worker/worker.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type TcpProxy, tcpProxy } from '../helpers/tcp-proxy.ts';

let t: TestDatabase;
let proxy: TcpProxy;
let pool: pg.Pool;

beforeAll(async () => {
  t = await createTestDatabase();
  proxy = await tcpProxy(t.url);
  pool = createWorkerPool(proxy.url, 2, createLogger('silent'));
});
afterAll(async () => {
  await pool.end();
  await proxy.close();
  await t.drop();
});

describe("the worker's pool", () => {
  const withPgClient = () => makeEnhancedWithPgClient(makeWithPgClientFromPool(pool));

  it('has graphile-worker retry a query whose connection dropped without an error code', async () => {
    await pool.query('SELECT 1'); // a connection made before: the cut falls in the query, not the connect
    let tries = 0;
    const result = withPgClient().withRetries(async (client) => {
      tries++;
      return client.query('SELECT 1 AS ok, pg_sleep(0.4)');
    });
    setTimeout(() => proxy.cut(), 150);
    expect((await result).rows[0].ok).toBe(1);
    expect(tries).toBe(2);
  });

  it('has graphile-worker retry a connection that dropped while it was being made', async () => {
    proxy.cut();
    proxy.dropNext(1);
    const result = await withPgClient().withRetries((client) => client.query('SELECT 1 AS ok'));
    expect(result.rows[0].ok).toBe(1);
  });
});
