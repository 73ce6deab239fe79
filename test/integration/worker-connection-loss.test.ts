// graphile-worker retries its own bookkeeping (completing, failing, fetching jobs) only for errors whose
// `code` it knows (D41). pg reports a connection that drops mid-query with no code at all ("Connection
// terminated unexpectedly"): the chaos run with two worker processes and a Postgres restart saw a worker
// die of exactly that in graphile-worker's failJobs (D95). Here the connection is cut by a TCP proxy in
// the middle of a query made through graphile-worker's own retrying client, over Otto's worker pool.
import net from 'node:net';
import { makeWithPgClientFromPool } from 'graphile-worker/dist/helpers.js';
import { makeEnhancedWithPgClient } from 'graphile-worker/dist/lib.js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createWorkerPool } from '../../src/pipeline/worker.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
let proxy: { port: number; cut(): void; dropNext(n: number): void; close(): Promise<void> };
let pool: pg.Pool;

/**
 * Forwards TCP to Postgres; cut() drops every open connection (new ones are still accepted), dropNext(n)
 * closes the next n connections as soon as they are made.
 */
async function tcpProxy(target: URL): Promise<typeof proxy> {
  const sockets = new Set<net.Socket>();
  let drop = 0;
  const server = net.createServer((client) => {
    if (drop > 0) {
      drop--;
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    dropNext: (n) => {
      drop = n;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

beforeAll(async () => {
  t = await createTestDatabase();
  proxy = await tcpProxy(new URL(t.url));
  const url = new URL(t.url);
  url.port = String(proxy.port);
  pool = createWorkerPool(url.toString(), 2, createLogger('silent'));
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
