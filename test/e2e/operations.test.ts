// Operations and observability over the full stack (issue: read side): the ops API (tenants, jobs and
// their history, retries, circuit breakers), readiness, Prometheus metrics that move when jobs run, and
// logs that carry request and job ids but no personal data.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

const ADMIN = TEST_ADMIN;
const lines: string[] = [];
let s: Stack;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  s = await startStack({ logger: createLogger('debug', sink) });
});
afterAll(async () => {
  await s?.close();
});

const ops = (path: string, init: RequestInit = {}) =>
  fetch(`${s.otto.url}/api/v1/ops${path}`, { ...init, headers: { ...ADMIN, ...init.headers } });
const metric = async (name: string, labels: Record<string, string>) => {
  const text = await (await fetch(`${s.otto.url}/metrics`, { headers: ADMIN })).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('ops API', () => {
  it('creates and lists tenants; the signing key is shown once', async () => {
    const res = await ops('/companies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'North Solar', callrail_company_id: '555000111' }),
    });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({
      name: 'North Solar',
      callrail_company_id: '555000111',
      callrail_signature_algorithm: 'hmac-sha1',
    });
    expect(created.callrail_signing_key).toMatch(/^[0-9a-f]{48}$/);
    const dup = await ops('/companies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Again', callrail_company_id: '555000111' }),
    });
    expect(dup.status).toBe(409);
    const bad = await ops('/companies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '' }),
    });
    expect(bad.status).toBe(400);
    const list = await (await ops('/companies')).json();
    expect(list.items.find((c: { id: string }) => c.id === created.id)).toEqual({
      id: created.id,
      name: 'North Solar',
      callrail_company_id: '555000111',
      callrail_signature_algorithm: 'hmac-sha1',
      created_at: created.created_at,
      // a new tenant is enabled (D263)
      disabled_at: null,
    });
  });

  it('refuses requests without the admin token, including a tenant token', async () => {
    const company = await buildCompany(s.db);
    expect((await fetch(`${s.otto.url}/api/v1/ops/jobs`)).status).toBe(401);
    const tenant = await fetch(`${s.otto.url}/api/v1/ops/jobs`, {
      headers: { authorization: `Bearer ${await tenantToken(company.id)}` },
    });
    expect(tenant.status).toBe(401);
    expect((await fetch(`${s.otto.url}/metrics`)).status).toBe(401);
  });

  it("lists jobs by status, type and tenant with a cursor, and shows one job's whole history", async () => {
    const company = await buildCompany(s.db);
    const calls: string[] = [];
    for (let i = 0; i < 3; i++)
      calls.push((await (await postCallRail(s.otto.url, company, callRailPayload(company))).json()).call_id);
    for (const c of calls) await terminalJob(s.db, { call_id: c });
    const page1 = await (
      await ops(`/jobs?company_id=${company.id}&status=succeeded&type=csr_call&limit=2`)
    ).json();
    expect(page1.items).toHaveLength(2);
    expect(page1.next_cursor).toEqual(expect.any(String));
    const page2 = await (
      await ops(`/jobs?company_id=${company.id}&status=succeeded&limit=2&before=${page1.next_cursor}`)
    ).json();
    expect(page2.items).toHaveLength(1);
    expect(page2.next_cursor).toBeNull();
    const ids = [...page1.items, ...page2.items].map((j: { id: string }) => j.id);
    expect(new Set(ids).size).toBe(3);
    expect((await ops(`/jobs?status=nonsense`)).status).toBe(400);
    expect((await ops(`/jobs?before=garbage`)).status).toBe(400);

    const detail = await (await ops(`/jobs/${ids[0]}`)).json();
    expect(detail).toMatchObject({
      id: ids[0],
      job_status: 'succeeded',
      stage: 'done',
      attempts: 1,
      processed_output_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(detail.attempts_log).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded' })]);
    expect(detail.operations.map((o: { kind: string; status: string }) => [o.kind, o.status])).toEqual([
      ['transcription', 'completed'],
      ['analysis', 'completed'],
    ]);
    expect(detail.webhook_deliveries.length).toBeGreaterThanOrEqual(2);
    expect((await ops(`/jobs/${ids[0]}/retry`, { method: 'POST' })).status).toBe(409);
    expect((await ops('/jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('opens a circuit breaker per (endpoint, tenant) on repeated 5xx, shows it, and recovers', async () => {
    const company = await buildCompany(s.db);
    const opensBefore = await metric('otto_circuit_breaker_opens_total', {
      endpoint: 'POST /api/v1/transcription/transcribe',
    });
    const { rules } = (await s.admin('POST', '/faults', {
      kind: 'error',
      company_id: company.id,
      operations: ['transcribe'],
      params: { status: 500, retryable: true },
    })) as { rules: { id: string }[] };
    const { call_id } = await (await postCallRail(s.otto.url, company, callRailPayload(company))).json();
    const breaker = await waitFor(async () => {
      const b = await (await ops('/circuit-breakers')).json();
      return b.items.find(
        (x: { company_id: string; state: string }) => x.company_id === company.id && x.state === 'open',
      );
    }, 'the breaker to open');
    expect(breaker).toMatchObject({
      endpoint: 'POST /api/v1/transcription/transcribe',
      consecutive_failures: expect.any(Number),
      opened_at: expect.any(String),
    });
    expect(
      await metric('otto_circuit_breaker_opens_total', { endpoint: 'POST /api/v1/transcription/transcribe' }),
    ).toBeGreaterThan(opensBefore);
    // an open breaker is not a failed attempt: the job is still running, then recovers when Shunya does
    expect((await s.db('shunya_jobs').where({ call_id }).first()).job_status).not.toBe('failed');
    await s.admin('DELETE', `/faults/${rules[0]?.id}`);
    expect((await terminalJob(s.db, { call_id }, 30_000)).job_status).toBe('succeeded');
  });
});

describe('readiness and metrics', () => {
  it('is ready when the database and a worker are', async () => {
    const res = await fetch(`${s.otto.url}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { database: 'ok', worker: 'ok' } });
  });

  it('moves when jobs run', async () => {
    const company = await buildCompany(s.db);
    const before = {
      succeeded: await metric('otto_jobs', { job_status: 'succeeded', job_type: 'csr_call' }),
      processed: await metric('otto_webhook_deliveries_total', { verdict: 'processed' }),
      transcribe: await metric('otto_shunya_request_duration_seconds_count', {
        endpoint: 'POST /api/v1/transcription/transcribe',
        outcome: '202',
      }),
    };
    const { call_id } = await (await postCallRail(s.otto.url, company, callRailPayload(company))).json();
    await terminalJob(s.db, { call_id });
    await waitFor(
      async () =>
        (await metric('otto_webhook_deliveries_total', { verdict: 'processed' })) >= before.processed + 2,
      'webhook metrics',
    );
    expect(await metric('otto_jobs', { job_status: 'succeeded', job_type: 'csr_call' })).toBe(
      before.succeeded + 1,
    );
    expect(
      await metric('otto_shunya_request_duration_seconds_count', {
        endpoint: 'POST /api/v1/transcription/transcribe',
        outcome: '202',
      }),
    ).toBe(before.transcribe + 1);
    const text = await (await fetch(`${s.otto.url}/metrics`, { headers: ADMIN })).text();
    for (const name of [
      'otto_queue_depth',
      'otto_outbox_lag_seconds',
      'otto_outbox_unpublished',
      'otto_process_resident_memory_bytes',
    ])
      expect(text).toContain(name);
  });
});

describe('logs', () => {
  it('carry request and job ids but no phone numbers, names, addresses or transcript text', async () => {
    const company = await buildCompany(s.db);
    const payload = callRailPayload(company, {
      customer_phone_number: '+12175559876',
      customer_name: 'Priscilla Vanderhoek',
    });
    const { call_id } = await (await postCallRail(s.otto.url, company, payload)).json();
    const job = await terminalJob(s.db, { call_id });
    const transcript = (await s.db('call_transcripts').where({ call_id }).first()).transcript_text as string;
    const entities = (await s.db('call_analyses').where({ call_id }).first()).analysis.entities;
    const all = lines.join('\n');
    expect(all).toContain(job.id);
    expect(all).toMatch(/"request_id":"[0-9a-f-]{36}"/);
    const secrets = [
      '+12175559876',
      '2175559876',
      'Priscilla',
      'Vanderhoek',
      transcript.slice(0, 40),
      transcript.slice(-40),
      entities.address,
      entities.email,
      entities.phone,
    ].filter((x): x is string => typeof x === 'string' && x.length > 5);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) expect(all, `logs contain ${secret}`).not.toContain(secret);
  });
});
