// graphile-worker's batching (D291): with WORKER_LOCAL_QUEUE_SIZE and WORKER_BATCH_DELAY_MS a worker fetches
// and locks jobs in batches and writes their completions later. A worker SIGKILLed with jobs done but not
// yet written keeps them locked by its pool's id; its heartbeat carries that id, so another worker releases
// them once the heartbeat stops and runs them again: nothing is lost, nothing stays locked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { type RunningOtto, startOtto } from '../../src/main.ts';
import { freePort } from '../../src/util/net.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type Proc, start } from '../helpers/spawn.ts';
import { FAST_ENV, waitFor } from '../helpers/stack.ts';

const JOBS = 12;
let t: TestDatabase;
const procs: Proc[] = [];
const ottos: RunningOtto[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const p of procs) await p.stop();
  for (const o of ottos) await o.close();
  await t?.drop();
});

const env = async (extra: Record<string, string>) => ({
  ...FAST_ENV,
  DATABASE_URL: t.url,
  // no job here calls Shunya
  UWC_BASE_URL: `http://127.0.0.1:${await freePort()}`,
  WORKER_HEARTBEAT_MS: '300',
  WORKER_DEAD_AFTER_MS: '2000',
  ...extra,
});
const exited = (p: Proc) =>
  new Promise<void>((resolve) =>
    p.child.exitCode !== null || p.child.signalCode !== null
      ? resolve()
      : p.child.once('exit', () => resolve()),
  );
const held = async (ids: string[]) =>
  (
    await t.db.raw(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'otto_admit_all' AND locked_by = ANY(?)`,
      [ids],
    )
  ).rows[0].n as number;
const left = async () =>
  (
    await t.db.raw(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'otto_admit_all'`,
    )
  ).rows[0].n as number;

describe('graphile-worker batching and a SIGKILLed worker', () => {
  it("recovers a killed worker's completed-but-unwritten jobs: released by the heartbeat reaper and run again", async () => {
    for (let i = 0; i < JOBS; i++)
      await t.db.raw(`SELECT graphile_worker.add_job('otto_admit_all', '{}'::json)`);
    const doomed = await start(process.execPath, ['--import', 'tsx', 'src/main.ts'], /"msg":"otto started"/, {
      env: await env({
        OTTO_ROLE: 'worker',
        // graphile-worker's "Completed task …" lines are at Otto's debug level
        LOG_LEVEL: 'debug',
        WORKER_CONCURRENCY: '2',
        WORKER_LOCAL_QUEUE_SIZE: '20',
        // completions gathered for ten minutes: none is written before the kill
        WORKER_BATCH_DELAY_MS: '600000',
      }),
      timeoutMs: 60_000,
    });
    procs.push(doomed);
    const completed = () => (doomed.output().match(/Completed task \d+ \(otto_admit_all/g) ?? []).length;
    await waitFor(async () => completed() === JOBS, 'the doomed worker to run every job', 30_000);
    const beat = await t.db('worker_heartbeats').whereNull('stopped_at').first();
    const poolIds = beat.graphile_worker_ids as string[];
    // every job ran, none is written as done: all still there, locked by the doomed worker's pool
    expect(await left()).toBe(JOBS);
    expect(await held(poolIds)).toBe(JOBS);

    process.kill(-(doomed.child.pid as number), 'SIGKILL');
    await exited(doomed);

    const rescuer = await startOtto(
      loadConfig(await env({ OTTO_ROLE: 'worker', LOG_LEVEL: 'silent' })),
      createLogger('silent'),
    );
    ottos.push(rescuer);
    await waitFor(async () => (await left()) === 0, 'the jobs to be released and run again', 60_000);
    expect(await held(poolIds)).toBe(0);
    expect(
      (await t.db('worker_heartbeats').where({ process_id: beat.process_id }).first()).stopped_at,
    ).not.toBeNull();
    // the next case's jobs are for its own worker alone
    await ottos.pop()?.close();
  }, 120_000);

  it("with Otto's defaults, recovers a killed worker's running job and the jobs its local queue held (D462)", async () => {
    const queue = loadConfig({}).jobs.localQueueSize;
    const doomed = await start(process.execPath, ['--import', 'tsx', 'src/main.ts'], /"msg":"otto started"/, {
      env: await env({ OTTO_ROLE: 'worker', LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1' }),
      timeoutMs: 60_000,
    });
    procs.push(doomed);
    // the one worker's job waits on a lock this test holds until the worker is dead
    const blocker = await t.db.transaction();
    let poolIds: string[] = [];
    try {
      await blocker.raw('LOCK TABLE shunya_jobs, tenant_admission IN ACCESS EXCLUSIVE MODE');
      // in one transaction, so the worker's fetch sees all of them
      await t.db.raw(
        `SELECT graphile_worker.add_job('otto_admit_all', '{}'::json) FROM generate_series(1, ?)`,
        [JOBS],
      );
      await waitFor(
        async () =>
          (
            await t.db.raw(
              `SELECT count(*)::int AS n FROM pg_locks
               WHERE NOT granted AND relation IN ('shunya_jobs'::regclass, 'tenant_admission'::regclass)`,
            )
          ).rows[0].n > 0,
        'the worker to be running a job',
        30_000,
      );
      // its pool's id, as its heartbeat carries it (for the reaper, D104)
      const beat = await t
        .db('worker_heartbeats')
        .where({ pid: doomed.child.pid })
        .whereNull('stopped_at')
        .first();
      poolIds = beat.graphile_worker_ids as string[];
      // what the kill strands: the running job and what the local queue fetched with it, locked by the pool
      const stranded = (
        await t.db.raw(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_by = ANY(?)`, [
          poolIds,
        ])
      ).rows[0].n as number;
      expect(stranded).toBe(Math.max(queue, 1));
      expect(await left()).toBe(JOBS);

      process.kill(-(doomed.child.pid as number), 'SIGKILL');
      await exited(doomed);
    } finally {
      if (!blocker.isCompleted()) await blocker.rollback();
    }

    const rescuer = await startOtto(
      loadConfig(await env({ OTTO_ROLE: 'worker', LOG_LEVEL: 'silent' })),
      createLogger('silent'),
    );
    ottos.push(rescuer);
    await waitFor(async () => (await left()) === 0, 'the stranded jobs to be released and run again', 60_000);
    expect(await held(poolIds)).toBe(0);
  }, 120_000);
});
