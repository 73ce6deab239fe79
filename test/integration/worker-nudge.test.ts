// graphile-worker's nudge marks every worker it passes over to fetch `again`, and a worker in the middle of
// a fetch that finds nothing then fetches once more at once: with jobs announced close together most of
// those fetches find nothing. Otto's pool nudges idle workers first (D521). The worker's own pool is wrapped
// to count its fetches, as in worker-wake.test.ts.
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
const FETCH = /_private_jobs[\s\S]*for update[\s\S]*skip locked/i;
const JOBS = 200;

let t: TestDatabase;
let otto: RunningOtto;
let worker: RunningWorker;
let fetches = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({
    ...FAST_ENV,
    DATABASE_URL: t.url,
    UWC_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    OTTO_ROLE: 'api',
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

const left = async () =>
  Number(
    (
      await t.db.raw(
        "SELECT count(*) AS n FROM graphile_worker.jobs WHERE task_identifier = 'otto_admit_all'",
      )
    ).rows[0].n,
  );

// one job per statement, eight statements at a time: a notification each, many while workers fetch
const announce = async (runAt: string) => {
  for (let i = 0; i < JOBS; i += 8)
    await Promise.all(
      Array.from({ length: 8 }, () =>
        t.db.raw(`SELECT graphile_worker.add_job('otto_admit_all', '{}'::json, run_at => ${runAt})`),
      ),
    );
};

describe('jobs announced close together (8 workers)', () => {
  it(`cost one fetch per notification when none is due (${JOBS} jobs scheduled ahead; graphile-worker's nudge made about 300)`, async () => {
    const before = fetches;
    try {
      await announce("now() + interval '1 hour'");
      expect(await left()).toBe(JOBS);
      await sleep(1500);
      expect(fetches - before).toBeLessThanOrEqual(JOBS * 1.1);
    } finally {
      await t.db.raw(
        "DELETE FROM graphile_worker._private_jobs WHERE run_at > now() + interval '10 minutes'",
      );
    }
  });

  it(`all run when due, at most two fetches each: the announced job's and the finishing worker's (${JOBS} jobs)`, async () => {
    const before = fetches;
    await announce('now()');
    for (let i = 0; i < 200 && (await left()) > 0; i++) await sleep(50);
    expect(await left()).toBe(0);
    await sleep(500);
    expect(fetches - before).toBeLessThanOrEqual(2 * JOBS);
  });
});
