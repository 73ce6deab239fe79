// Per-tenant admission (D34) on a real Postgres: the limit, due times, concurrent admissions, and a
// pending job whose row another transaction holds (regression: it was skipped and left unadmitted).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { admitTenant } from '../../src/jobs/admission.ts';
import { systemClock } from '../../src/jobs/deps.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { deferred } from '../helpers/sse.ts';

let t: TestDatabase;
const config = loadConfig({ ...TEST_SECRETS, TENANT_MAX_CONCURRENT: '2' });
const deps = () => ({ db: t.db, config, clock: systemClock });
/** How many jobs one admission of the tenant started. */
const admit = async (d: ReturnType<typeof deps>, companyId: string) =>
  (await admitTenant(d, companyId)).length;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

async function pendingJobs(
  company: CompanyRow,
  n: number,
  nextAttemptAt: Date | null = null,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await buildCallJob(t.db, company.id, { next_attempt_at: nextAttemptAt })).jobId);
  return ids;
}
const running = async (company: CompanyRow) =>
  Number(
    (
      await t
        .db('shunya_jobs')
        .where({ company_id: company.id, job_status: 'running' })
        .count({ n: '*' })
        .first()
    )?.n,
  );

describe('admission', () => {
  it('admits up to the limit, oldest first, and enqueues each admitted job', async () => {
    const company = await buildCompany(t.db);
    const ids = await pendingJobs(company, 5);
    expect(await admit(deps(), company.id)).toBe(2);
    const started = await t
      .db('shunya_jobs')
      .where({ company_id: company.id, job_status: 'running' })
      .orderBy('created_at');
    expect(started.map((j) => j.id)).toEqual(ids.slice(0, 2));
    expect(started.every((j) => j.attempts === 1)).toBe(true);
    expect(await admit(deps(), company.id)).toBe(0);
    const queued = await t.db.raw(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'otto_advance' AND key = ANY(?)`,
      [ids.map((id) => `advance:${id}`)],
    );
    expect(queued.rows[0].n).toBe(2);
  });

  it("gives a new job its stage's operation and carries both in the step's payload (D340)", async () => {
    const company = await buildCompany(t.db);
    const [id] = await pendingJobs(company, 1);
    expect(await admit(deps(), company.id)).toBe(1);
    const op = await t.db('shunya_operations').where({ job_id: id }).first();
    expect(op).toMatchObject({ kind: 'transcription', status: 'submitting' });
    const step = await t.db.raw('SELECT payload FROM graphile_worker._private_jobs WHERE key = ?', [
      `advance:${id}`,
    ]);
    const payload = step.rows[0].payload;
    expect(payload.job_id).toBe(id);
    expect(payload.job).toMatchObject({ id, job_status: 'running', attempts: 1, stage: 'transcription' });
    expect(payload.op).toMatchObject({
      id: op.id,
      idempotency_key: op.idempotency_key,
      status: 'submitting',
    });
  });

  it('carries only the job id for a retry whose stage keeps its operation (the step reads it)', async () => {
    const company = await buildCompany(t.db);
    const [id] = await pendingJobs(company, 1);
    await t.db('shunya_jobs').where({ id }).update({ admitted_at: new Date(), attempts: 1 });
    await t
      .db('shunya_operations')
      .insert({ company_id: company.id, job_id: id, kind: 'transcription', status: 'failed' });
    expect(await admit(deps(), company.id)).toBe(1);
    const step = await t.db.raw('SELECT payload FROM graphile_worker._private_jobs WHERE key = ?', [
      `advance:${id}`,
    ]);
    expect(step.rows[0].payload).toEqual({ job_id: id });
    expect(await t.db('shunya_operations').where({ job_id: id }).count({ n: '*' }).first()).toEqual({
      n: 1,
    });
  });

  it('leaves jobs whose retry is not due yet', async () => {
    const company = await buildCompany(t.db);
    await pendingJobs(company, 1, new Date(Date.now() + 60_000));
    expect(await admit(deps(), company.id)).toBe(0);
  });

  it('never exceeds the limit under concurrent admissions', async () => {
    const company = await buildCompany(t.db);
    await pendingJobs(company, 10);
    const admitted = await Promise.all(Array.from({ length: 8 }, () => admit(deps(), company.id)));
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await running(company)).toBe(2);
  });

  it('waits for a pending job another transaction holds, instead of skipping it', async () => {
    const company = await buildCompany(t.db);
    const [id] = await pendingJobs(company, 1);
    const locked = deferred();
    const release = deferred();
    const holder = t.db.transaction(async (tx) => {
      await tx('shunya_jobs').where({ id }).forUpdate().first(); // e.g. an operator's second retry click
      locked.resolve();
      await release.promise;
    });
    await locked.promise;
    const admission = admit(deps(), company.id);
    setTimeout(() => release.resolve(), 200);
    await holder;
    expect(await admission).toBe(1);
    expect(await running(company)).toBe(1);
  });
});
