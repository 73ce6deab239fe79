// Otto rides through a Postgres restart: jobs in flight when the database goes away finish once it is
// back, and nothing escapes as an unhandled rejection. (Regression, D41: graphile-worker gave up failing
// a job on ECONNREFUSED and its rejection killed the worker process; found by the chaos run.)
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RETRYABLE_ERROR_CODES } from 'graphile-worker/dist/lib.js';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startSimulator } from '../../simulator/server.ts';
import { loadConfig } from '../../src/config.ts';
import { type RunningPostgres, startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { createDb, type Db } from '../../src/db/knex.ts';
import { createLogger } from '../../src/logger.ts';
import { type RunningOtto, startOtto } from '../../src/main.ts';
import { freePort } from '../../src/util/net.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { FAST_ENV, waitFor } from '../helpers/stack.ts';

let dir: string;
let pgOptions: Parameters<typeof startEmbeddedPostgres>[0];
let postgres: RunningPostgres;
let sim: Awaited<ReturnType<typeof startSimulator>>;
let otto: RunningOtto;
let db: Db;
const rejections: unknown[] = [];
const onRejection = (e: unknown) => rejections.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  dir = await mkdtemp(path.join(tmpdir(), 'otto-pg-restart-'));
  await chmod(dir, 0o755); // as root, Postgres runs as another OS user that must enter it
  pgOptions = {
    dataDir: path.join(dir, 'data'),
    port: await freePort(),
    database: 'otto',
    persistent: true,
    settings: { fsync: 'off', synchronous_commit: 'off' },
  };
  postgres = await startEmbeddedPostgres(pgOptions);
  sim = await startSimulator({
    preset: 'happy',
    timeScale: 60,
    seed: 3,
    jwtSecret: TEST_SECRETS.UWC_JWT_SECRET,
    hmacSecret: TEST_SECRETS.UWC_HMAC_SECRET,
  });
  const config = loadConfig({ ...FAST_ENV, DATABASE_URL: postgres.url, UWC_BASE_URL: sim.url });
  otto = await startOtto(config, createLogger('silent'), {
    heartbeat: { intervalMs: 300, deadAfterMs: 2000 },
  });
  await fetch(`${sim.url}/__sim/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ webhook_url: `${otto.url}/api/v1/shunya/webhook` }),
  });
  db = createDb(postgres.url, 2);
}, 120_000);

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await otto?.close(); // idempotent: the second test closes it already
  await sim?.close();
  await db?.destroy();
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a Postgres restart', () => {
  it('finishes the jobs that were in flight, with no unhandled rejection', async () => {
    const company = await buildCompany(db);
    // every submission takes 1.5 s at Shunya: the workers are mid-task when the database goes away, and
    // their tasks fail on it (graphile-worker must then record the failure through the outage)
    await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'latency',
        operations: ['transcribe'],
        count: 6,
        params: { delay: { model: 'fixed', ms: 1500 } },
      }),
    });
    const calls: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await postCallRail(otto.url, company, callRailPayload(company));
      expect(res.status).toBe(202);
      calls.push((await res.json()).call_id);
    }
    await new Promise((r) => setTimeout(r, 500));
    await postgres.stop();
    await new Promise((r) => setTimeout(r, 2500));
    postgres = await startEmbeddedPostgres(pgOptions);

    const done = await waitFor(
      async () => {
        const rows = await db('shunya_jobs').whereIn('call_id', calls).select('job_status');
        return rows.length === calls.length && rows.every((r) => r.job_status === 'succeeded') ? rows : null;
      },
      'every call to succeed after the restart',
      60_000,
    );
    expect(done).toHaveLength(6);
    expect(await db('call_analyses').whereIn('call_id', calls).count({ n: '*' }).first()).toEqual({ n: 6 });
    expect(rejections).toEqual([]);
  }, 90_000);

  it('stopping Otto during an outage waits to record the outcome of the jobs that were in flight', async () => {
    // (Regression, D42: graphile-worker 0.17 failed jobs without awaiting the write; Otto ended the pool
    // under a write still retrying through the outage: the job stayed locked and the rejection escaped.)
    const company = await buildCompany(db);
    await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'latency',
        operations: ['transcribe'],
        count: 3,
        params: { delay: { model: 'fixed', ms: 1500 } },
      }),
    });
    for (let i = 0; i < 3; i++) {
      const res = await postCallRail(otto.url, company, callRailPayload(company));
      expect(res.status).toBe(202);
    }
    await new Promise((r) => setTimeout(r, 500));
    const backoff = RETRYABLE_ERROR_CODES.ECONNREFUSED;
    RETRYABLE_ERROR_CODES.ECONNREFUSED = { minDelay: 8000, maxDelay: 8000 };
    onTestFinished(() => {
      RETRYABLE_ERROR_CODES.ECONNREFUSED = backoff;
    });
    await postgres.stop();
    // the submissions come back from Shunya into a missing database: their tasks fail, and graphile-worker
    // must record those failures somewhere
    await new Promise((r) => setTimeout(r, 2000));
    // Otto is told to stop while the database is still away, and the database comes back while it stops;
    // a write retrying with a long backoff (made certain here: 4-12 s) must still be waited for
    const closing = otto.close();
    await new Promise((r) => setTimeout(r, 1000));
    postgres = await startEmbeddedPostgres(pgOptions);
    await closing;
    // a write still retrying would meet the ended pool within its backoff (at most 12 s)
    await new Promise((r) => setTimeout(r, 12_500));
    expect(rejections).toEqual([]);
    const locked = await waitFor(
      async () => {
        try {
          const { rows } = await db.raw<{ rows: { n: number }[] }>(
            'select count(*)::int as n from graphile_worker._private_jobs where locked_at is not null',
          );
          return rows[0];
        } catch {
          return null; // the test's own pool reconnecting
        }
      },
      'the database to answer',
      30_000,
    );
    expect(locked.n).toBe(0);
  }, 120_000);
});
