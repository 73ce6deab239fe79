// An idle worker process does not poll Postgres once a second per worker (D432): graphile-worker's
// workers poll every WORKER_POLL_INTERVAL_MS, and Otto's waker starts a job scheduled ahead (no NOTIFY
// announces it when it falls due) at its run_at. The worker's own pool is wrapped to count its fetches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { type RunningOtto, startOtto } from '../../src/main.ts';
import { freePort } from '../../src/util/net.ts';
import { createWorkerPool, type RunningWorker, startWorker } from '../../src/worker/worker.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { FAST_ENV } from '../helpers/stack.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = createLogger('silent');
// graphile-worker's fetch: its get_job statement selects from _private_jobs for update skip locked
const FETCH = /_private_jobs[\s\S]*for update[\s\S]*skip locked/i;
const WAKE_CHECK_MS = 1000;

let t: TestDatabase;
let otto: RunningOtto;
let worker: RunningWorker;
let fetches = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  // an API-only Otto gives the pipeline's dependencies; the worker below runs on a counted pool
  const config = loadConfig({
    ...FAST_ENV,
    DATABASE_URL: t.url,
    UWC_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    OTTO_ROLE: 'api',
    WORKER_WAKE_CHECK_MS: String(WAKE_CHECK_MS),
  });
  otto = await startOtto(config, logger);
  const pool = createWorkerPool(t.url, config.jobs.workerConcurrency + 4, logger);
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const q = args[0];
      const text = typeof q === 'string' ? q : (q as { text?: string } | undefined)?.text;
      if (text && FETCH.test(text)) fetches++;
      return query(...args);
    }) as typeof client.query;
  });
  worker = await startWorker(otto.pipeline, pool, { settleTimeoutMs: 5000 });
  // every worker's first fetch, and the cron's catch-up, are over
  await sleep(1500);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await otto?.close();
  await t?.drop();
});

const gone = async (id: string) =>
  (await t.db.raw('SELECT 1 FROM graphile_worker._private_jobs WHERE id = ?', [id])).rows.length === 0;

describe('an idle worker process', () => {
  it("does not poll for jobs once a second per worker (8 workers, 3 s: today's poll made about 24 fetches)", async () => {
    const before = fetches;
    await sleep(3000);
    expect(fetches - before).toBeLessThanOrEqual(2);
  });

  it('starts a job scheduled 3 s ahead at its run_at, within the wake check, though its pool polls once a minute', async () => {
    expect(otto.pipeline.config.jobs.pollIntervalMs).toBe(60_000);
    const r = await t.db.raw(
      `SELECT id, extract(epoch FROM run_at) * 1000 AS run_at_ms, extract(epoch FROM now()) * 1000 AS now_ms
       FROM graphile_worker.add_job('otto_admit_all', '{}'::json, run_at => now() + interval '3 seconds')`,
    );
    const { id, run_at_ms, now_ms } = r.rows[0] as { id: string; run_at_ms: number; now_ms: number };
    // the job must wait for its run_at (the nudge of its NOTIFY finds nothing due)
    await sleep(Math.max(0, run_at_ms - now_ms - 500));
    expect(await gone(id)).toBe(false);
    // then it runs, well before the pool's own next poll
    let done = false;
    for (let i = 0; i < (WAKE_CHECK_MS + 2000) / 50 && !done; i++) {
      await sleep(50);
      done = await gone(id);
    }
    expect(done).toBe(true);
  });
});
