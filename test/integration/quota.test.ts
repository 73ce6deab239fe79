// §11.2's jobs-per-hour quota at admission (D98) on a real Postgres: new jobs beyond it wait as pending
// (nothing refused or lost), retries still go, a job counts once, concurrent admissions never exceed it,
// and the ops API's expected start says when each waiting job may start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { admitTenant } from '../../src/jobs/admission.ts';
import { systemClock } from '../../src/jobs/deps.ts';
import type { JobRow } from '../../src/jobs/model.ts';
import { expectedStarts } from '../../src/jobs/quota.ts';
import { admit } from '../../src/jobs/transitions/admit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
const config = loadConfig({ ...TEST_SECRETS, TENANT_MAX_CONCURRENT: '100', TENANT_JOBS_PER_HOUR: '3' });
const deps = () => ({ db: t.db, config, clock: systemClock });
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

async function pendingJobs(
  company: CompanyRow,
  n: number,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const created_at = new Date(Date.now() - (n - i) * 1000);
    ids.push((await buildCallJob(t.db, company.id, { created_at, ...extra })).jobId);
  }
  return ids;
}

const statuses = async (ids: string[]) =>
  (await t.db('shunya_jobs').whereIn('id', ids).orderBy('created_at')).map((j) => j.job_status);

describe('the hourly quota (§11.2)', () => {
  it('admits at most TENANT_JOBS_PER_HOUR new jobs; the rest wait, pending', async () => {
    const company = await buildCompany(t.db);
    const ids = await pendingJobs(company, 5);
    expect(await admitTenant(deps(), company.id)).toHaveLength(3);
    expect(await admitTenant(deps(), company.id)).toHaveLength(0);
    expect(await statuses(ids)).toEqual(['running', 'running', 'running', 'pending', 'pending']);
  });

  it('counts jobs admitted within the last hour only, and a job once', async () => {
    const company = await buildCompany(t.db);
    // two first admitted 61 minutes ago (a retry of one waits now), one 10 minutes ago
    const old = await pendingJobs(company, 2, {
      admitted_at: new Date(Date.now() - 61 * 60_000),
      attempts: 1,
    });
    await pendingJobs(company, 1, {
      job_status: 'succeeded',
      admitted_at: new Date(Date.now() - 10 * 60_000),
    });
    const fresh = await pendingJobs(company, 3);
    const admitted = await admitTenant(deps(), company.id);
    // both retries (they count no more), and two new jobs (3 per hour, one used 10 minutes ago)
    expect(admitted).toHaveLength(4);
    expect(await statuses([...old, ...fresh])).toEqual([
      'running',
      'running',
      'running',
      'running',
      'pending',
    ]);
  });

  it('still admits retries when the quota is used up', async () => {
    const company = await buildCompany(t.db);
    await pendingJobs(company, 3, { job_status: 'succeeded', admitted_at: new Date() });
    const fresh = await pendingJobs(company, 1);
    const retry = await pendingJobs(company, 1, { admitted_at: new Date(Date.now() - 60_000), attempts: 1 });
    expect(await admitTenant(deps(), company.id)).toEqual(retry);
    expect(await statuses(fresh)).toEqual(['pending']);
  });

  it('is never exceeded by concurrent admissions', async () => {
    const company = await buildCompany(t.db);
    await pendingJobs(company, 20);
    const admitted = await Promise.all(Array.from({ length: 8 }, () => admitTenant(deps(), company.id)));
    expect(admitted.flat()).toHaveLength(3);
  });

  it('is off at 0', async () => {
    const company = await buildCompany(t.db);
    await pendingJobs(company, 6);
    const off = {
      ...deps(),
      config: loadConfig({ ...TEST_SECRETS, TENANT_MAX_CONCURRENT: '100', TENANT_JOBS_PER_HOUR: '0' }),
    };
    expect(await admitTenant(off, company.id)).toHaveLength(6);
  });
});

describe("a waiting job's expected start (D98)", () => {
  it('is when the quota allows it: after the admissions of the last hour age, then hour by hour', async () => {
    const company = await buildCompany(t.db);
    const now = new Date();
    const a1 = new Date(now.getTime() - 50 * 60_000);
    const a2 = new Date(now.getTime() - 20 * 60_000);
    await pendingJobs(company, 1, { job_status: 'succeeded', admitted_at: a1 });
    await pendingJobs(company, 1, { job_status: 'succeeded', admitted_at: a2 });
    const waiting = await pendingJobs(company, 6);
    const jobs = (await t.db('shunya_jobs').whereIn('id', waiting).orderBy('created_at')) as JobRow[];
    const starts = await expectedStarts(t.db, jobs, 3, now);
    const at = (i: number) => starts.get(jobs[i]?.id as string)?.getTime();
    // per hour 3: one admission is free now; then as a1, a2 age; then each of those three again an hour later
    expect(at(0)).toBe(now.getTime());
    expect(at(1)).toBe(a1.getTime() + HOUR);
    expect(at(2)).toBe(a2.getTime() + HOUR);
    expect(at(3)).toBe(now.getTime() + HOUR);
    expect(at(4)).toBe(a1.getTime() + 2 * HOUR);
    expect(at(5)).toBe(a2.getTime() + 2 * HOUR);
  });

  it('is its retry time for a retry, and null for a job that is not pending', async () => {
    const company = await buildCompany(t.db);
    const now = new Date();
    const due = new Date(now.getTime() + 30_000);
    const [retry] = await pendingJobs(company, 1, { admitted_at: now, attempts: 1, next_attempt_at: due });
    const [done] = await pendingJobs(company, 1, { job_status: 'succeeded' });
    const jobs = (await t.db('shunya_jobs').whereIn('id', [retry as string, done as string])) as JobRow[];
    const starts = await expectedStarts(t.db, jobs, 3, now);
    expect(starts.get(retry as string)?.getTime()).toBe(due.getTime());
    expect(starts.get(done as string)).toBeNull();
  });
});

describe('admission and the forecast, one quota (issue 19, D410)', () => {
  it('starts exactly the jobs the forecast says start now', async () => {
    const company = await buildCompany(t.db);
    const now = new Date();
    // one of the 3 admissions per hour used 20 minutes ago; a due retry and one not yet due (first admitted 61
    // minutes ago: no longer counted), five new jobs
    await pendingJobs(company, 1, {
      job_status: 'succeeded',
      admitted_at: new Date(now.getTime() - 20 * 60_000),
    });
    const [due] = await pendingJobs(company, 1, {
      admitted_at: new Date(now.getTime() - 61 * 60_000),
      attempts: 1,
    });
    await pendingJobs(company, 1, {
      admitted_at: new Date(now.getTime() - 61 * 60_000),
      attempts: 1,
      next_attempt_at: new Date(now.getTime() + 60_000),
    });
    await pendingJobs(company, 5);
    const jobs = (await t
      .db('shunya_jobs')
      .where({ company_id: company.id, job_status: 'pending' })) as JobRow[];
    const starts = await expectedStarts(t.db, jobs, 3, now);
    const startNow = jobs.filter((j) => starts.get(j.id)?.getTime() === now.getTime()).map((j) => j.id);
    const admitted = await admit(t.db, company.id, { slots: 100, perHour: 3 }, now);
    expect(admitted.sort()).toEqual(startNow.sort());
    expect(admitted).toContain(due);
    expect(admitted).toHaveLength(3);
  });
});
