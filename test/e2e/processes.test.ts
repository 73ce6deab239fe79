// Otto as real processes: a graceful shutdown (SIGTERM) releases graphile-worker's jobs and exits 0; a
// worker killed with SIGKILL mid-job does not keep its jobs locked for graphile-worker's 4 hours: another
// worker sees its heartbeat stop and releases them, and the call completes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { startSimulator } from '../../simulator/server.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { type RunningOtto, startOtto } from '../../src/main.ts';
import { freePort } from '../../src/util/net.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { type Proc, start } from '../helpers/spawn.ts';
import { FAST_ENV, terminalJob, waitFor } from '../helpers/stack.ts';

let t: TestDatabase;
let sim: Awaited<ReturnType<typeof startSimulator>>;
const procs: Proc[] = [];
const ottos: RunningOtto[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const { startSimulator } = await import('../../simulator/server.ts');
  sim = await startSimulator({
    preset: 'happy',
    timeScale: 20,
    jwtSecret: FAST_ENV.UWC_JWT_SECRET,
    hmacSecret: FAST_ENV.UWC_HMAC_SECRET,
  });
});
afterAll(async () => {
  for (const p of procs) await p.stop();
  for (const o of ottos) await o.close();
  await sim?.close();
  await t?.drop();
});

const env = (extra: Record<string, string>) => ({
  ...FAST_ENV,
  LOG_LEVEL: 'info',
  DATABASE_URL: t.url,
  UWC_BASE_URL: sim.url,
  WORKER_HEARTBEAT_MS: '300',
  WORKER_DEAD_AFTER_MS: '2000',
  ...extra,
});
const spawnOtto = async (extra: Record<string, string>) => {
  const p = await start(process.execPath, ['--import', 'tsx', 'src/main.ts'], /"msg":"otto started"/, {
    env: env(extra),
    timeoutMs: 60_000,
  });
  procs.push(p);
  return p;
};
const setWebhook = (port: number) =>
  fetch(`${sim.url}/__sim/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ webhook_url: `http://127.0.0.1:${port}/api/v1/shunya/webhook` }),
  });
const addFault = (rule: unknown) =>
  fetch(`${sim.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
const exited = (p: Proc) =>
  new Promise<number | null>((resolve) =>
    p.child.exitCode !== null ? resolve(p.child.exitCode) : p.child.once('exit', (code) => resolve(code)),
  );

describe('Otto processes', () => {
  it('shuts down gracefully on SIGTERM: exit 0, no job left locked, its heartbeat marked stopped', async () => {
    const port = await freePort();
    const otto = await spawnOtto({ PORT: String(port), OTTO_ROLE: 'all' });
    await setWebhook(port);
    const company = await buildCompany(t.db);
    await addFault({
      kind: 'hang',
      company_id: company.id,
      operations: ['transcribe'],
      count: 1,
      params: { max_ms: 1500 },
    });
    const res = await postCallRail(`http://127.0.0.1:${port}`, company, callRailPayload(company));
    expect(res.status).toBe(202);
    await waitFor(
      async () =>
        (
          await t.db.raw(
            `SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = 'otto_advance' AND locked_by IS NOT NULL`,
          )
        ).rows.length > 0,
      'a job in flight',
    );
    // what a supervisor does: signal the process
    otto.child.kill('SIGTERM');
    expect(await exited(otto)).toBe(0);
    expect(otto.output()).toContain('"msg":"otto stopped"');
    const locked = await t.db.raw(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_by IS NOT NULL`,
    );
    expect(locked.rows[0].n).toBe(0);
    const beats = await t.db('worker_heartbeats').whereNull('stopped_at');
    expect(beats).toEqual([]);
  }, 60_000);

  it('releases the jobs of a worker killed with SIGKILL, and the call completes on another worker', async () => {
    const company = await buildCompany(t.db);
    // the API in this process; the doomed worker in another, hung in a request to Shunya
    const api = await startOtto(
      loadConfig(env({ PORT: '0', OTTO_ROLE: 'api', LOG_LEVEL: 'silent' })),
      createLogger('silent'),
    );
    ottos.push(api);
    await setWebhook(Number(new URL(api.url).port));
    await addFault({
      kind: 'hang',
      company_id: company.id,
      operations: ['transcribe'],
      count: 1,
      params: { max_ms: 120_000 },
    });
    const spawnedAt = (await t.db.raw('SELECT now() AS t')).rows[0].t;
    const doomed = await spawnOtto({ OTTO_ROLE: 'worker', UWC_TIMEOUT_MS: '120000' });
    const { call_id } = await (await postCallRail(api.url, company, callRailPayload(company))).json();
    const beat = await waitFor(
      async () =>
        t
          .db('worker_heartbeats')
          .whereNull('stopped_at')
          .where('started_at', '>', spawnedAt)
          .whereRaw('cardinality(graphile_worker_ids) > 0')
          .first(),
      "the doomed worker's heartbeat",
    );
    await waitFor(
      async () =>
        (
          await t.db.raw(
            `SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = 'otto_advance' AND locked_by = ANY(?)`,
            [beat.graphile_worker_ids],
          )
        ).rows.length > 0,
      'the doomed worker to hold the job',
    ).catch(async (e) => {
      console.log(
        doomed.output().slice(-3000),
        JSON.stringify(beat),
        JSON.stringify(
          (
            await t.db.raw(
              'SELECT task_identifier, locked_by, attempts, last_error FROM graphile_worker.jobs',
            )
          ).rows,
        ),
      );
      throw e;
    });
    process.kill(-(doomed.child.pid as number), 'SIGKILL');
    await exited(doomed);

    const rescuer = await startOtto(
      loadConfig(env({ PORT: '0', OTTO_ROLE: 'worker', LOG_LEVEL: 'silent' })),
      createLogger('silent'),
    );
    ottos.push(rescuer);
    await waitFor(
      async () =>
        (
          await t.db.raw(`SELECT 1 FROM graphile_worker.jobs WHERE locked_by = ANY(?)`, [
            beat.graphile_worker_ids,
          ])
        ).rows.length === 0,
      "the dead worker's locks to be released",
      60_000,
    );
    expect(
      (await t.db('worker_heartbeats').where({ process_id: beat.process_id }).first()).stopped_at,
    ).not.toBeNull();
    expect((await terminalJob(t.db, { call_id }, 60_000)).job_status).toBe('succeeded');
  }, 120_000);
});
