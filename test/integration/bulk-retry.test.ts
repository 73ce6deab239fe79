// Bulk retry by filter (issue 20 item 4; D260, D261) on a real Postgres through Otto's HTTP app: the
// preview counts and pins exactly the matching failed or timed-out jobs; the execution retries that set
// and no other (a job failing after the preview is left alone, a pinned job retried meanwhile is skipped),
// through the operator retry, audited as ONE action with its filter and count, and a second click, even a
// concurrent one, retries nothing more. Bad input answers in the error envelope; only operators may call it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zBulkRetryPreview, zBulkRetryResult, zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany, tenantToken } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_ADMIN, TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let otto: Listening;

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    ...TEST_SECRETS,
    UWC_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'silent',
  });
  const pipeline: PipelineDeps = {
    db: t.db,
    config,
    logger: createLogger('silent'),
    client: shunyaClientFromConfig(config),
    normalize: shunyaNormalizers,
    clock: systemClock,
  };
  otto = await listen(
    buildApp({ config, db: t.db, logger: createLogger('silent'), pipeline, workerCheck: async () => 'ok' }),
  );
});
afterAll(async () => {
  await otto?.close();
  await t?.drop();
});

const post = (path: string, body?: unknown, headers: Record<string, string> = TEST_ADMIN) =>
  fetch(`${otto.url}/api/v1/ops/bulk-retries${path}`, {
    method: 'POST',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const preview = async (filter: Record<string, unknown>) => {
  const res = await post('', filter);
  expect(res.status).toBe(201);
  return zBulkRetryPreview.parse(await res.json());
};
const execute = async (id: string) => {
  const res = await post(`/${id}/execute`);
  expect(res.status).toBe(200);
  return zBulkRetryResult.parse(await res.json());
};
const errorOf = async (res: Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe(code);
};

const failedWith = (error_code: string, extra: Record<string, unknown> = {}) => ({
  job_status: 'failed',
  stage: 'analysis',
  attempts: 5,
  last_error: JSON.stringify({ error_code, error_type: 'server_error', message: 'x', retryable: true }),
  ...extra,
});
const statusOf = async (id: string) =>
  ((await t.db('shunya_jobs').where({ id }).first('job_status')) as { job_status: string }).job_status;
const bulkAudits = (id: string) => t.db('audit_log').where({ action: 'jobs.bulk_retried', target_id: id });

describe('bulk retry by filter', () => {
  it('previews exactly the matching retryable jobs and retries exactly that set, audited once', async () => {
    const company = await buildCompany(t.db);
    const other = await buildCompany(t.db);
    const a = await buildCallJob(t.db, company.id, failedWith('INTERNAL_ERROR'));
    const b = await buildCallJob(t.db, company.id, failedWith('INTERNAL_ERROR'));
    const c = await buildCallJob(t.db, company.id, failedWith('INTERNAL_ERROR'));
    // none of these match: another error, another stage, succeeded, another tenant
    await buildCallJob(t.db, company.id, failedWith('ANALYSIS_FAILED'));
    await buildCallJob(t.db, company.id, failedWith('INTERNAL_ERROR', { stage: 'transcription' }));
    await buildCallJob(t.db, company.id, { job_status: 'succeeded', stage: 'done' });
    await buildCallJob(t.db, other.id, failedWith('INTERNAL_ERROR'));
    const running = await buildCallJob(t.db, company.id, { job_status: 'running', stage: 'analysis' });

    const filter = { company_id: company.id, stage: 'analysis', error_code: 'INTERNAL_ERROR' };
    const p = await preview({ ...filter, sample: 2 });
    expect(p.count).toBe(3);
    expect(p.sample).toEqual([c.jobId, b.jobId]); // newest first
    expect(p.filter).toEqual(filter);

    // after the preview: a job comes to match (not pinned), a pinned one is retried on its own
    await t.db.raw(`UPDATE shunya_jobs SET job_status = 'failed', last_error = ?::jsonb WHERE id = ?`, [
      failedWith('INTERNAL_ERROR').last_error,
      running.jobId,
    ]);
    const single = await fetch(`${otto.url}/api/v1/ops/jobs/${a.jobId}/retry`, {
      method: 'POST',
      headers: TEST_ADMIN,
    });
    expect(single.status).toBe(202);

    const r = await execute(p.id);
    expect(r).toMatchObject({ id: p.id, count: 3, executed_by: 'admin', repeated: false, filter });
    expect([...r.retried].sort()).toEqual([b.jobId, c.jobId].sort());
    expect(r.skipped).toEqual([{ id: a.jobId, job_status: expect.stringMatching(/^(pending|running)$/) }]);
    expect(await statusOf(running.jobId)).toBe('failed'); // not previewed, not retried
    for (const id of [b.jobId, c.jobId]) expect(await statusOf(id)).not.toBe('failed');

    const audits = await bulkAudits(p.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actor: 'admin',
      company_id: company.id,
      target_type: 'bulk_retry',
      details: { filter, count: 3, retried: 2, skipped: 1 },
    });
    // the bulk action is one entry, not one per job
    expect(
      await t.db('audit_log').where({ action: 'job.retried' }).whereIn('target_id', [b.jobId, c.jobId]),
    ).toHaveLength(0);
  });

  it('is idempotent: a second click, even a concurrent one, retries nothing more and audits nothing more', async () => {
    const company = await buildCompany(t.db);
    const jobs = await Promise.all([1, 2, 3].map(() => buildCallJob(t.db, company.id, failedWith('E1'))));
    const p = await preview({ company_id: company.id });
    expect(p.count).toBe(3);

    const [x, y] = await Promise.all([execute(p.id), execute(p.id)]);
    expect([x.repeated, y.repeated].sort()).toEqual([false, true]);
    expect(x.retried).toEqual(y.retried);
    expect(x.retried).toHaveLength(3);
    expect(await bulkAudits(p.id)).toHaveLength(1);

    // the jobs fail again; the same preview clicked again still retries nothing
    await t
      .db('shunya_jobs')
      .whereIn(
        'id',
        jobs.map((j) => j.jobId),
      )
      .update({ job_status: 'failed' });
    const again = await execute(p.id);
    expect(again).toMatchObject({ repeated: true, retried: x.retried });
    for (const j of jobs) expect(await statusOf(j.jobId)).toBe('failed');
    expect(await bulkAudits(p.id)).toHaveLength(1);
  });

  it('takes the time range, the type and the state (failed or timeout) as filters', async () => {
    const company = await buildCompany(t.db);
    const old = await buildCallJob(t.db, company.id, {
      ...failedWith('E2'),
      created_at: '2020-01-01T00:00:00Z',
    });
    const timedOut = await buildCallJob(t.db, company.id, { ...failedWith('E2'), job_status: 'timeout' });
    await buildCallJob(t.db, company.id, failedWith('E2'));
    const p = await preview({ company_id: company.id, created_before: '2021-01-01T00:00:00Z' });
    expect(p.sample).toEqual([old.jobId]);
    const q = await preview({ company_id: company.id, status: 'timeout', type: 'csr_call' });
    expect(q.sample).toEqual([timedOut.jobId]);
    expect((await preview({ company_id: company.id, type: 'sales_visit' })).count).toBe(0);
    expect((await preview({ company_id: company.id, created_after: '2021-01-01T00:00:00Z' })).count).toBe(2);
  });

  it('refuses a filter matching more than 1,000 jobs, before pinning anything', async () => {
    const company = await buildCompany(t.db);
    await t.db.raw(
      `WITH c AS (INSERT INTO calls (company_id, callrail_call_id, callrail_payload)
                  SELECT ?, 'CALbulk' || g, '{}' FROM generate_series(1, 1001) g RETURNING id)
       INSERT INTO shunya_jobs (company_id, job_type, call_id, input_payload, job_status, stage)
       SELECT ?, 'csr_call', c.id, '{}', 'failed', 'analysis' FROM c`,
      [company.id, company.id],
    );
    const before = await t.db('bulk_retries').count({ n: '*' }).first();
    await errorOf(await post('', { company_id: company.id }), 422, 'BULK_RETRY_TOO_LARGE');
    expect(await t.db('bulk_retries').count({ n: '*' }).first()).toEqual(before);
  });

  it('answers bad input in the envelope: unknown fields, a state that is not retryable, bad ids, expired', async () => {
    await errorOf(await post('', { status: 'succeeded' }), 400, 'VALIDATION_ERROR');
    await errorOf(await post('', { tenant: 'x' }), 400, 'VALIDATION_ERROR');
    await errorOf(await post('', { created_after: 'yesterday' }), 400, 'VALIDATION_ERROR');
    await errorOf(await post('/not-a-uuid/execute'), 400, 'VALIDATION_ERROR');
    await errorOf(await post('/00000000-0000-4000-8000-000000000000/execute'), 404, 'NOT_FOUND');

    const company = await buildCompany(t.db);
    const job = await buildCallJob(t.db, company.id, failedWith('E3'));
    const p = await preview({ company_id: company.id });
    await t
      .db('bulk_retries')
      .where({ id: p.id })
      .update({ expires_at: t.db.raw(`now() - interval '1 second'`) });
    await errorOf(await post(`/${p.id}/execute`), 409, 'BULK_RETRY_EXPIRED');
    expect(await statusOf(job.jobId)).toBe('failed');
    expect(await bulkAudits(p.id)).toHaveLength(0);
  });

  it('is for operators only: no token and a tenant token are refused', async () => {
    const company = await buildCompany(t.db);
    await errorOf(await post('', {}, {}), 401, 'UNAUTHORIZED');
    const manager = { authorization: `Bearer ${await tenantToken(company.id)}` };
    await errorOf(await post('', {}, manager), 401, 'UNAUTHORIZED');
    await errorOf(
      await post('/00000000-0000-4000-8000-000000000000/execute', undefined, manager),
      401,
      'UNAUTHORIZED',
    );
  });
});
