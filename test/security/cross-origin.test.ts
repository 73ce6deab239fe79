// Finding 2 of issue 16: in development the no-login rule made every browser page a local developer,
// including another site's: a cross-origin form post retried a job (202, audited as "local developer")
// and a text/plain post reached the simulator's control API (201). A state-changing request without a
// token is now refused (403) when Origin or Sec-Fetch-Site say it comes from another site (D126);
// CallRail's and Shunya's signed webhooks, server to server, are not concerned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { type RawAnswer, rawRequest } from '../helpers/raw-http.ts';
import { countRows, type Stack, startStack } from '../helpers/stack.ts';

let s: Stack;
let host: string;
let own: string;

beforeAll(async () => {
  s = await startStack({ env: { NODE_ENV: 'development' }, simulatorBeside: true, contractProxy: false });
  host = new URL(s.otto.url).host;
  own = new URL(s.otto.url).origin;
});
afterAll(async () => {
  await s?.close();
});

const FAULT = JSON.stringify({ kind: 'error', operations: ['transcribe'], count: 1 });

const post = (path: string, headers: Record<string, string>, body: string) =>
  rawRequest(s.otto.url, { method: 'POST', path, headers: { host, ...headers }, body });

async function failedJob() {
  const company = await buildCompany(s.db);
  return (await buildCallJob(s.db, company.id, { job_status: 'failed' })).jobId;
}

function expectRefused(res: RawAnswer) {
  expect(res.status).toBe(403);
  const e = zErrorEnvelope.parse(res.json()).error;
  expect(e.error_code).toBe('CROSS_ORIGIN_REQUEST');
  expect(e.error_type).toBe('authorization_error');
}

describe('a state-changing request without a token, from another site', () => {
  it('refuses the probe’s cross-origin form post retrying a job', async () => {
    const jobId = await failedJob();
    const res = await post(
      `/api/v1/ops/jobs/${jobId}/retry`,
      { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      'x=1',
    );
    expectRefused(res);
    expect(await countRows(s.db, 'audit_log', { action: 'job.retried' })).toBe(0);
    expect((await s.db('shunya_jobs').where({ id: jobId }).first()).job_status).toBe('failed');
  });

  it('refuses the probe’s text/plain post to the simulator’s faults, and a JSON one', async () => {
    for (const type of ['text/plain', 'application/json']) {
      const res = await post(
        '/console/sim/__sim/faults',
        { origin: 'http://evil.example', 'content-type': type },
        FAULT,
      );
      expectRefused(res);
    }
    expect(((await s.admin('GET', '/faults')) as { rules: unknown[] }).rules).toEqual([]);
  });

  it('refuses by Sec-Fetch-Site (cross-site, same-site) when a browser sends no Origin, and Origin null', async () => {
    const jobId = await failedJob();
    const cases: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
      { origin: own, 'sec-fetch-site': 'cross-site' },
      { origin: `http://127.0.0.1.attacker.example:${new URL(own).port}` },
    ];
    for (const headers of cases) expectRefused(await post(`/api/v1/ops/jobs/${jobId}/retry`, headers, ''));
  });

  it('lets the console’s own same-origin requests and tools without Origin act', async () => {
    const jobId = await failedJob();
    const res = await post(
      `/api/v1/ops/jobs/${jobId}/retry`,
      { origin: own, 'sec-fetch-site': 'same-origin' },
      '',
    );
    expect(res.status).toBe(202);
    const sim = await post(
      '/console/sim/__sim/faults',
      { 'content-type': 'application/json', 'sec-fetch-site': 'none' },
      FAULT,
    );
    expect(sim.status).toBe(201);
  });

  it('leaves the signed webhooks to their signatures (401, not 403)', async () => {
    const headers = { origin: 'http://evil.example', 'content-type': 'application/json' };
    expect((await post('/api/v1/shunya/webhook', headers, '{}')).status).toBe(401);
    expect((await post('/webhooks/callrail/call.completed', headers, '{"company_id":"1"}')).status).toBe(401);
  });
});
