// graphile-worker's nudge marks every worker it passes over to fetch `again`, and a worker in the middle of
// a fetch that finds nothing then fetches once more at once: with jobs announced close together most of
// those fetches find nothing. Otto's pool nudges idle workers first (D521). The worker's own pool is wrapped
// to count its fetches, as in worker-wake.test.ts. A job scheduled ahead with Otto's notice (queue.ts
// aheadNotice) is not announced at all: the waker starts it when it falls due (D580).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { aheadNotice } from '../../src/jobs/queue.ts';
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

// as Otto's statements add a job scheduled ahead (mark-submitted, poll-again): add_job's row, then the notice
const addNoticed = (runAt: string) =>
  t.db.raw(`WITH added AS MATERIALIZED (
              SELECT graphile_worker.add_job('otto_admit_all', '{}'::json, run_at => ${runAt}) AS job)
            SELECT ${aheadNotice('job')} FROM added`);

const ran = async (ids: string[]) =>
  Number(
    (
      await t.db.raw('SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE id = ANY(?::bigint[])', [
        ids,
      ])
    ).rows[0].n,
  ) === 0;

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

  it(`cost no fetch when scheduled ahead with Otto's notice (${JOBS} jobs; one fetch each without it)`, async () => {
    const before = fetches;
    try {
      for (let i = 0; i < JOBS; i += 8)
        await Promise.all(Array.from({ length: 8 }, () => addNoticed("now() + interval '1 hour'")));
      expect(await left()).toBe(JOBS);
      await sleep(1500);
      // a cron job falling due meanwhile may cost a fetch or two
      expect(fetches - before).toBeLessThanOrEqual(JOBS * 0.05);
    } finally {
      await t.db.raw(
        "DELETE FROM graphile_worker._private_jobs WHERE run_at > now() + interval '10 minutes'",
      );
    }
  });

  it('run when due though not announced, and do not hold back due jobs announced with them', async () => {
    // half the statements schedule a job 1.5 s ahead with the notice, half add a due job, close together
    const ids: { ahead: string[]; due: string[] } = { ahead: [], due: [] };
    for (let i = 0; i < 48; i += 8)
      await Promise.all(
        Array.from({ length: 8 }, async (_, j) => {
          if (j % 2 === 0) {
            await addNoticed("now() + interval '1.5 seconds'");
            const r = await t.db.raw(
              "SELECT max(id)::text AS id FROM graphile_worker._private_jobs WHERE run_at > now() + interval '1 second'",
            );
            ids.ahead.push(r.rows[0].id);
          } else {
            const r = await t.db.raw(
              "SELECT (graphile_worker.add_job('otto_admit_all', '{}'::json)).id::text AS id",
            );
            ids.due.push(r.rows[0].id);
          }
        }),
      );
    for (let i = 0; i < 100 && !(await ran(ids.due)); i++) await sleep(50);
    expect(await ran(ids.due)).toBe(true);
    for (let i = 0; i < 200 && !(await ran(ids.ahead)); i++) await sleep(50);
    expect(await ran(ids.ahead)).toBe(true);
  });
});
