// The ops API the console reads and drives (issue 13), over the full stack (Otto + simulator + Postgres):
// test traffic beside the simulator, a job's journey in order with ids that match the stored operations,
// the search by every id an operator holds, the overview and charts, the simulator forwarding (audited),
// and a failed job's raw and mapped errors and its retry (audited, in the journey).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  zAuditLog,
  zErrorEnvelope,
  zJobJourney,
  zJobList,
  zOpsCharts,
  zOpsOverview,
  zTestTrafficAccepted,
} from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { buildCompany } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import { FAST_ENV, type Stack, startStack, waitFor } from '../helpers/stack.ts';

const ADMIN = TEST_ADMIN;
let s: Stack;

beforeAll(async () => {
  s = await startStack({
    simulatorBeside: true,
    contractProxy: false,
    historyIntervalMs: 200,
    sim: { preset: 'happy', timeScale: 200, seed: 11 },
    env: { JOB_MAX_ATTEMPTS: '2' },
  });
});
afterAll(async () => {
  await s?.close();
});

/** Otto's HTTP app alone, on this stack's database, with `env` over the test configuration (no worker). */
const appWith = async (env: Record<string, string>): Promise<Listening> => {
  const config = loadConfig({ ...FAST_ENV, DATABASE_URL: s.t.url, UWC_BASE_URL: s.sim.url, ...env });
  return listen(
    buildApp({
      config,
      db: s.db,
      logger: createLogger('silent'),
      pipeline: { ...s.otto.pipeline, config },
      workerCheck: async () => 'ok',
    }),
  );
};

const ops = async (path: string, init: RequestInit = {}) =>
  fetch(`${s.otto.url}${path}`, { ...init, headers: { ...ADMIN, ...init.headers } });
const get = async (path: string) => (await ops(path)).json();
const send = async (companyId: string, kind: 'csr_call' | 'sales_visit') => {
  const res = await ops(`/api/v1/ops/companies/${companyId}/test-traffic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind }),
  });
  expect(res.status).toBe(202);
  return zTestTrafficAccepted.parse(await res.json());
};
const journey = async (jobId: string) => zJobJourney.parse(await get(`/api/v1/ops/jobs/${jobId}/journey`));
const ended = (jobId: string, status = 'succeeded') =>
  waitFor(async () => {
    const j = await journey(jobId);
    return j.job.job_status === status ? j : undefined;
  }, `job ${jobId} ${status}`);

describe('test traffic and the journey', () => {
  it('sends a test call that succeeds, and tells its journey in order with the stored ids', async () => {
    const company = await buildCompany(s.db);
    const sent = await send(company.id, 'csr_call');
    expect(sent.call_id).toBeTruthy();
    const j = await ended(sent.job_id);

    const kinds = j.timeline.map((e) => e.kind);
    expect(kinds[0]).toBe('trigger');
    expect(kinds).toContain('admission');
    // in time order; the job's end last (it is stamped with its transaction's start, D124)
    expect(kinds.at(-1)).toBe('job_finished');
    const times = j.timeline.slice(0, -1).map((e) => e.at);
    expect([...times].sort()).toEqual(times);

    const stored = await s.db('shunya_operations').where({ job_id: sent.job_id }).orderBy('created_at');
    expect(j.operations.map((o) => [o.kind, o.request_id, o.idempotency_key, o.shunya_job_id])).toEqual(
      stored.map((o) => [o.kind, o.request_id, o.idempotency_key, o.shunya_job_id]),
    );
    const submitted = j.timeline.filter((e) => e.kind === 'operation_submitted');
    expect(submitted.map((e) => e.request_id)).toEqual(stored.map((o) => o.request_id));
    const webhooks = j.timeline.filter((e) => e.kind === 'webhook');
    expect(webhooks.length).toBeGreaterThan(0);
    expect(webhooks.every((w) => w.verdict === 'processed' && w.profile === 'handoff')).toBe(true);

    expect(j.domain_rows.map((r) => r.table)).toEqual(
      expect.arrayContaining(['call_transcripts', 'call_analyses']),
    );
    expect(j.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['call.transcribed', 'call.analyzed', 'shunya.job.succeeded']),
    );
    expect(j.frontend_read.path).toBe(`/api/v1/calls/${sent.call_id}/analysis`);
    expect(j.frontend_read.body.status).toBe('complete');
    expect(j.timeline.find((e) => e.kind === 'operator_action')?.title).toContain('test_call.sent');
    expect(JSON.stringify(j.timeline)).not.toContain('+1217555'); // the caller's number stays out of it
  });

  it('sends a test visit through transcription, segmentation and analysis', async () => {
    const company = await buildCompany(s.db);
    const sent = await send(company.id, 'sales_visit');
    const j = await ended(sent.job_id);
    expect(j.operations.map((o) => o.kind)).toEqual(['transcription', 'segmentation', 'analysis']);
    expect(j.frontend_read.path).toBe(`/api/v1/recording-sessions/${sent.recording_session_id}`);
  });

  it('answers 404 for an unknown tenant or job and 400 for a malformed one, in the envelope', async () => {
    const bad = async (res: Response, status: number) => {
      expect(res.status).toBe(status);
      zErrorEnvelope.parse(await res.json());
    };
    await bad(await ops(`/api/v1/ops/jobs/${crypto.randomUUID()}/journey`), 404);
    await bad(await ops('/api/v1/ops/jobs/nope/journey'), 400);
    await bad(
      await ops(`/api/v1/ops/companies/${crypto.randomUUID()}/test-traffic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'csr_call' }),
      }),
      404,
    );
    await bad(
      await ops(`/api/v1/ops/companies/${crypto.randomUUID()}/test-traffic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'fax' }),
      }),
      400,
    );
  });

  it('sends no test traffic when Otto does not run beside a simulator (real Shunya gets no test audio)', async () => {
    const alone = await appWith({});
    try {
      const company = await buildCompany(s.db);
      const res = await fetch(`${alone.url}/api/v1/ops/companies/${company.id}/test-traffic`, {
        method: 'POST',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'csr_call' }),
      });
      expect(res.status).toBe(409);
      expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe('SIMULATOR_NOT_CONFIGURED');
      const jobs = await s.db('shunya_jobs').where({ company_id: company.id }).count({ n: '*' }).first();
      expect(Number(jobs?.n)).toBe(0);
    } finally {
      await alone.close();
    }
  });
});

describe('finding jobs', () => {
  it('finds a job by its id, call id, CallRail id, Shunya job id and request ids, and nothing else', async () => {
    const company = await buildCompany(s.db);
    const sent = await send(company.id, 'csr_call');
    const other = await send(company.id, 'csr_call');
    const j = await ended(sent.job_id);
    await ended(other.job_id);
    const op = j.operations[0];
    const webhook = await s
      .db('webhook_deliveries')
      .where({ job_id: sent.job_id })
      .whereNotNull('request_id')
      .first();
    const terms = [
      sent.job_id,
      sent.call_id,
      sent.callrail_call_id,
      op?.shunya_job_id,
      op?.request_id,
      ...(webhook ? [webhook.request_id] : []),
    ];
    for (const term of terms) {
      const list = zJobList.parse(await get(`/api/v1/ops/jobs?search=${encodeURIComponent(String(term))}`));
      expect(
        list.items.map((i) => i.id),
        `search ${term}`,
      ).toEqual([sent.job_id]);
    }
    const none = zJobList.parse(await get('/api/v1/ops/jobs?search=CALnothing'));
    expect(none.items).toEqual([]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      zJobList.parse(await get(`/api/v1/ops/jobs?company_id=${company.id}&created_after=${future}`)).items,
    ).toEqual([]);
    const mine = zJobList.parse(
      await get(`/api/v1/ops/jobs?company_id=${company.id}&created_before=${future}&status=succeeded`),
    );
    expect(mine.items.map((i) => i.id).sort()).toEqual([sent.job_id, other.job_id].sort());
  });
});

describe('the job list refuses what it cannot read', () => {
  it('answers 400 INVALID_CURSOR for a cursor whose id is not a UUID (it was a 500 from Postgres)', async () => {
    const cursor = Buffer.from('2025-01-15T10:00:00.000Z|not-a-uuid').toString('base64url');
    const res = await ops(`/api/v1/ops/jobs?before=${cursor}`);
    expect(res.status).toBe(400);
    expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe('INVALID_CURSOR');
  });
});

describe('overview and charts', () => {
  it('counts a tenant’s jobs by state, its slots and quota use, and its breakers', async () => {
    const company = await buildCompany(s.db);
    await ended((await send(company.id, 'csr_call')).job_id);
    const o = zOpsOverview.parse(await get('/api/v1/ops/overview'));
    const t = o.tenants.find((x) => x.company.id === company.id);
    expect(t?.jobs).toEqual({ pending: 0, running: 0, succeeded: 1, failed: 0, timeout: 0 });
    expect(t?.running_slots).toEqual({ used: 0, limit: 10 });
    expect(t?.quota).toEqual({ jobs_last_hour: 1, limit_per_hour: 1000 });
    expect(t?.breakers.map((b) => b.state)).toContain('closed');
    expect(JSON.stringify(o)).not.toContain(company.callrail_signing_key);
  });

  it('counts the quota as admission does (jobs first admitted in the last hour), and shows null when it is off', async () => {
    const company = await buildCompany(s.db);
    const sent = await send(company.id, 'csr_call');
    await ended(sent.job_id);
    // a job created two hours ago and admitted now counts; one created now and not yet admitted does not
    await s
      .db('shunya_jobs')
      .where({ id: sent.job_id })
      .update({ created_at: new Date(Date.now() - 7_200_000) });
    const quotaOf = (o: unknown) =>
      zOpsOverview.parse(o).tenants.find((x) => x.company.id === company.id)?.quota;
    expect(quotaOf(await get('/api/v1/ops/overview'))).toEqual({ jobs_last_hour: 1, limit_per_hour: 1000 });
    await s
      .db('shunya_jobs')
      .where({ id: sent.job_id })
      .update({ admitted_at: new Date(Date.now() - 7_200_000) });
    expect(quotaOf(await get('/api/v1/ops/overview'))?.jobs_last_hour).toBe(0);

    const off = await appWith({ TENANT_JOBS_PER_HOUR: '0' });
    try {
      const res = await fetch(`${off.url}/api/v1/ops/overview`, { headers: ADMIN });
      expect(quotaOf(await res.json())?.limit_per_hour).toBeNull();
    } finally {
      await off.close();
    }
  });

  it('charts completions per minute by tenant, and the Shunya latency and queue depth this process sampled', async () => {
    const company = await buildCompany(s.db);
    await ended((await send(company.id, 'csr_call')).job_id);
    const c = await waitFor(async () => {
      const charts = zOpsCharts.parse(await get('/api/v1/ops/charts?minutes=10'));
      return charts.shunya_latency.length > 0 ? charts : undefined;
    }, 'a latency sample');
    const mine = c.completions.filter((r) => r.company_id === company.id);
    expect(mine.reduce((n, r) => n + r.succeeded, 0)).toBe(1);
    expect(c.shunya_latency.map((p) => p.endpoint)).toContain('POST /api/v1/transcription/transcribe');
    expect(c.shunya_latency.every((p) => p.requests > 0 && (p.mean_ms ?? 0) > 0)).toBe(true);
    expect(c.queue_depth.length).toBeGreaterThan(0);
    expect((await ops('/api/v1/ops/charts?minutes=0')).status).toBe(400);
  });
});

describe('the simulator through Otto, and a failed job retried', () => {
  const simCall = (path: string, init: RequestInit = {}) => ops(`/console/sim/__sim${path}`, init);

  it('forwards the control API, audits each change (not each read), and fails then retries a job', async () => {
    expect((await simCall('/config')).status).toBe(200);
    const before = zAuditLog.parse(await get('/api/v1/ops/audit-log?action=simulator.changed')).items.length;
    const added = await simCall('/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // not retryable: the job fails at once, before the breaker opens (an open breaker makes jobs wait)
      body: JSON.stringify({
        kind: 'error',
        operations: ['analysis_start'],
        params: { status: 500, retryable: false, error_code: 'INTERNAL_ERROR' },
      }),
    });
    expect(added.status).toBe(201);
    const after = zAuditLog.parse(await get('/api/v1/ops/audit-log?action=simulator.changed'));
    expect(after.items.length).toBe(before + 1);
    expect(after.items[0]).toMatchObject({
      actor: 'admin',
      actor_kind: 'admin_token',
      target_id: '/__sim/faults',
    });

    const company = await buildCompany(s.db);
    const sent = await send(company.id, 'csr_call');
    const failed = await ended(sent.job_id, 'failed');
    const failure = failed.timeline.find((e) => e.kind === 'job_finished');
    expect(failure?.error).toMatchObject({ error_code: 'INTERNAL_ERROR', http_status: 500 }); // Shunya's raw code...
    expect(failure?.mapped_error).toMatchObject({
      error_code: 'SHUNYA_API_ERROR',
      error_type: 'external_service_error',
    });
    expect(failed.frontend_read.body.status).toBe('failed');

    expect((await simCall('/faults', { method: 'DELETE' })).status).toBe(204);
    const retried = await ops(`/api/v1/ops/jobs/${sent.job_id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    const done = await ended(sent.job_id);
    const action = done.timeline.filter((e) => e.kind === 'operator_action').map((e) => e.title);
    expect(action.some((t) => t.startsWith('admin (admin token): job.retried'))).toBe(true);
    const log = zAuditLog.parse(await get(`/api/v1/ops/audit-log?company_id=${company.id}`));
    // the journey read (it shows the transcript) is audited once for this operator and job (D150)
    expect(log.items.map((e) => e.action)).toEqual(['job.retried', 'journey.read', 'test_call.sent']);
  });
});
