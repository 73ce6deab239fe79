// An unreachable database is the server's trouble, not the client's and not a bug: every route answers
// 503 SERVICE_UNAVAILABLE in the contract's envelope with Retry-After, and nothing is half-written.
// (Regression: a Postgres restart during the chaos run answered CallRail 500 INTERNAL_ERROR.)
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { isDatabaseUnavailable } from '../../src/db/errors.ts';
import { createDb, type Db } from '../../src/db/knex.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { freePort } from '../../src/util/net.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let nowhere: Db;
let otto: Listening;

beforeAll(async () => {
  t = await createTestDatabase();
  // a real socket on which nothing listens: every connection attempt is refused
  nowhere = createDb(`postgres://postgres:postgres@127.0.0.1:${await freePort()}/otto`, 2);
  otto = await listen(
    buildApp({
      config: loadConfig({ ...TEST_SECRETS }),
      db: nowhere,
      logger: createLogger('silent'),
      workerCheck: async () => 'ok',
    }),
  );
});
afterAll(async () => {
  await otto.close();
  await nowhere.destroy();
  await t.drop();
});

async function expectUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  const body = await res.json();
  expect(zErrorEnvelope.parse(body).error).toMatchObject({
    error_code: 'SERVICE_UNAVAILABLE',
    error_type: 'server_error',
    retryable: true,
  });
}

describe('with the database unreachable', () => {
  it('answers a CallRail trigger 503 with Retry-After (CallRail retries), not 500', async () => {
    const company = await buildCompany(t.db); // exists in the real database; Otto cannot reach it
    await expectUnavailable(await postCallRail(otto.url, company, callRailPayload(company)));
  });

  it('answers a read 503', async () => {
    const company = await buildCompany(t.db);
    const res = await fetch(`${otto.url}/api/v1/calls/${crypto.randomUUID()}/analysis`, {
      headers: { authorization: `Bearer ${await tenantToken(company.id)}` },
    });
    await expectUnavailable(res);
  });

  it('recognises a server that terminates the connection (57P01) and refused connections', async () => {
    const victim = createDb(t.url, 1);
    const pid = (await victim.raw('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    // a query in flight when the server terminates its connection (what a fast shutdown does)
    const inFlight = victim.raw('SELECT pg_sleep(30)').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await t.db.raw('SELECT pg_terminate_backend(?)', [pid]);
    const terminated = await inFlight;
    await victim.destroy();
    expect((terminated as { code?: string }).code).toBe('57P01');
    expect(isDatabaseUnavailable(terminated)).toBe(true);
    expect(isDatabaseUnavailable(await nowhere.raw('SELECT 1').catch((e: unknown) => e))).toBe(true);
    // a bug is not an outage
    expect(
      isDatabaseUnavailable(await t.db.raw('SELECT * FROM no_such_table').catch((e: unknown) => e)),
    ).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
  });
});

describe("knex's own warnings", () => {
  it('go to the structured log, not to the console, when a logger is given', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const consoleWarn = vi.spyOn(console, 'warn');
    const consoleLog = vi.spyOn(console, 'log');
    const db = createDb(
      `postgres://postgres:postgres@127.0.0.1:${await freePort()}/otto`,
      1,
      createLogger('warn', sink),
    );
    try {
      await expect(db.raw('select 1')).rejects.toThrow(/ECONNREFUSED/);
      const knexLines = lines.map((l) => JSON.parse(l)).filter((l) => l.component === 'knex');
      expect(knexLines.length).toBeGreaterThan(0);
      expect(knexLines[0]).toMatchObject({ level: 'warn', msg: expect.stringMatching(/ECONNREFUSED/) });
      expect([...consoleWarn.mock.calls, ...consoleLog.mock.calls]).toEqual([]);
    } finally {
      consoleWarn.mockRestore();
      consoleLog.mockRestore();
      await db.destroy();
    }
  });
});
