// The webhook inbox keeps what audit and replay need, not Shunya's raw body (issue 11 item 8, D85): the
// headers, verdict, ids and timing, the body's size and SHA-256 always, and the body itself only redacted
// of personal data and only for WEBHOOK_BODY_RETENTION_HOURS, after which the prune cron clears it.
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { webhookError, webhookStatus } from '../../src/http/errors.ts';
import { receiveWebhook } from '../../src/intake/webhook.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { inboxQuery, listInbox } from '../../src/views/webhook-inbox.ts';
import { prune } from '../../src/worker/prune.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
const deps = (env: Record<string, string> = {}): PipelineDeps => {
  const config = loadConfig({
    ...TEST_SECRETS,
    UWC_BASE_URL: 'http://127.0.0.1:9',
    AUTH_FAILURE_LIMIT: '1000000000', // bad signatures on purpose (D130)
    ...env,
  });
  return {
    db: t.db,
    config,
    logger: createLogger('silent'),
    client: shunyaClientFromConfig(config),
    normalize: shunyaNormalizers,
    clock: systemClock,
  };
};

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

/** A signed handoff-profile delivery (§8) of a transcript with personal data in it. */
function delivery(companyId: string) {
  const body = JSON.stringify({
    shunya_job_id: `task-${Date.now()}-${Math.random()}`,
    status: 'completed',
    company_id: companyId,
    result: {
      call_id: 10_001,
      transcript_text: 'Hi, this is Dana Whitfield, call me on 217-555-0144 or dana@example.com.',
      speaker_labels: [{ speaker: 'customer', text: 'I live at 12 Elm St.', start_time: 0, end_time: 4 }],
      confidence_score: 0.93,
      created_at: '2025-01-15T10:00:00Z',
    },
  });
  const raw = Buffer.from(body);
  const timestamp = String(Date.now());
  const signature = createHmac('sha256', TEST_SECRETS.UWC_HMAC_SECRET)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), raw]))
    .digest('hex');
  return {
    raw,
    d: {
      headers: {
        'x-shunya-timestamp': timestamp,
        'x-shunya-signature': signature,
        'content-type': 'application/json',
      },
      rawBody: raw,
      requestId: 'req-inbox-test',
      statusOf: webhookStatus,
    },
  };
}

const stored = async (requestId = 'req-inbox-test') =>
  t.db('webhook_deliveries').where({ request_id: requestId }).orderBy('received_at', 'desc').first();

describe('the webhook inbox', () => {
  it('keeps the size and SHA-256 of the bytes received and the body redacted of personal data', async () => {
    const company = await buildCompany(t.db);
    const { raw, d } = delivery(company.id);
    const answer = await receiveWebhook(deps(), d);
    expect(answer.verdict).toBe('unknown_job'); // no such job: still kept, for audit
    expect(webhookError(answer)?.status).toBe(404);
    const row = await stored();
    expect(row.http_status).toBe(404); // what the route answers, kept with the verdict
    expect(row.body_bytes).toBe(raw.length);
    expect(row.body_sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(row.redacted_body).toEqual({
      shunya_job_id: JSON.parse(raw.toString()).shunya_job_id,
      status: 'completed',
      company_id: company.id,
      result: {
        call_id: 10_001,
        transcript_text: '[redacted]',
        speaker_labels: [{ speaker: 'customer', text: '[redacted]', start_time: 0, end_time: 4 }],
        confidence_score: 0.93,
        created_at: '2025-01-15T10:00:00Z',
      },
    });
    expect(JSON.stringify(row)).not.toMatch(/Dana|Whitfield|217-555-0144|dana@example|Elm St/);
    expect(row.headers['x-shunya-signature']).toBe(d.headers['x-shunya-signature']);
  });

  it('parses the body once, the inbox copy included (D581)', async () => {
    const company = await buildCompany(t.db);
    const { raw, d } = delivery(company.id);
    const text = raw.toString('utf8');
    const parse = vi.spyOn(JSON, 'parse');
    try {
      await receiveWebhook(deps(), d);
      expect(parse.mock.calls.filter(([s]) => s === text)).toHaveLength(1);
    } finally {
      parse.mockRestore();
    }
    expect((await stored()).redacted_body.result.transcript_text).toBe('[redacted]');
  });

  it('keeps the redacted body of a signed body behind a BOM, which it refuses as not JSON (D581)', async () => {
    const company = await buildCompany(t.db);
    const { raw } = delivery(company.id);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), raw]);
    const timestamp = String(Date.now());
    const signature = createHmac('sha256', TEST_SECRETS.UWC_HMAC_SECRET)
      .update(Buffer.concat([Buffer.from(`${timestamp}.`), bom]))
      .digest('hex');
    const { d } = delivery(company.id);
    const answer = await receiveWebhook(deps(), {
      ...d,
      headers: { ...d.headers, 'x-shunya-timestamp': timestamp, 'x-shunya-signature': signature },
      rawBody: bom,
    });
    expect(answer.verdict).toBe('invalid_json');
    const row = await stored();
    expect(row.body_bytes).toBe(bom.length);
    expect(row.redacted_body.result.transcript_text).toBe('[redacted]');
  });

  it('keeps no body at all with WEBHOOK_BODY_RETENTION_HOURS=0', async () => {
    const company = await buildCompany(t.db);
    const { raw, d } = delivery(company.id);
    await receiveWebhook(deps({ WEBHOOK_BODY_RETENTION_HOURS: '0' }), { ...d, requestId: 'req-no-body' });
    const row = await stored('req-no-body');
    expect(row.redacted_body).toBeNull();
    expect(row.body_bytes).toBe(raw.length);
  });

  it('clears bodies older than WEBHOOK_BODY_RETENTION_HOURS on prune, keeping the row’s metadata', async () => {
    const company = await buildCompany(t.db);
    for (const id of ['req-old', 'req-new'])
      await receiveWebhook(deps(), { ...delivery(company.id).d, requestId: id });
    await t
      .db('webhook_deliveries')
      .where({ request_id: 'req-old' })
      .update({
        received_at: t.db.raw(`now() - interval '25 hours'`),
      });
    const r = await prune(deps({ WEBHOOK_BODY_RETENTION_HOURS: '24' }));
    expect(r.bodies).toBe(1);
    const old = await stored('req-old');
    expect(old.redacted_body).toBeNull();
    expect(old.body_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(old.verdict).toBe('unknown_job');
    expect((await stored('req-new')).redacted_body).not.toBeNull();
  });
});

describe("the inbox's tenant and job filters (D383)", () => {
  /** The plan of the inbox's query for a filter, on a table large enough that a scan would cost. */
  async function planOf(filter: Parameters<typeof listInbox>[1]): Promise<string> {
    const sql = inboxQuery(t.db, filter).toSQL();
    const rows = (await t.db.raw(`EXPLAIN ${sql.sql}`, sql.bindings as never)).rows as {
      'QUERY PLAN': string;
    }[];
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it('reads through indexes, not the whole inbox, and answers what the derived filter says', async () => {
    const tenants = await Promise.all(Array.from({ length: 40 }, () => buildCompany(t.db)));
    const [a, b] = tenants as [CompanyRow, CompanyRow];
    const { jobId } = await buildCallJob(t.db, a.id);
    const [op] = await t
      .db('shunya_operations')
      .insert({
        company_id: a.id,
        job_id: jobId,
        kind: 'transcription',
        status: 'submitted',
        shunya_job_id: 'sj-inbox-1',
      })
      .returning('id');
    // 20,000 accepted deliveries spread over 40 tenants (each a small part of the inbox), and a few refused ones stored without tenant or job
    await t.db.raw(
      `INSERT INTO webhook_deliveries (company_id, received_at, headers, verdict, http_status, body_bytes, body_sha256)
       SELECT (?::uuid[])[1 + i % 40], now() - i * interval '1 second', '{}'::jsonb, 'processed', 200, 10, 'x'
       FROM generate_series(1, 20000) i`,
      [tenants.map((c) => c.id)],
    );
    await t.db('webhook_deliveries').insert([
      {
        job_id: jobId,
        company_id: a.id,
        operation_id: op.id,
        headers: {},
        verdict: 'processed',
        http_status: 200,
        body_bytes: 1,
        body_sha256: 'mine',
      },
      {
        headers: { 'x-shunya-task-id': 'sj-inbox-1' },
        verdict: 'bad_signature',
        http_status: 401,
        body_bytes: 2,
        body_sha256: 'refused-mine',
      },
      {
        headers: { 'x-shunya-task-id': 'sj-unknown' },
        verdict: 'bad_signature',
        http_status: 401,
        body_bytes: 3,
        body_sha256: 'refused-other',
      },
    ]);
    await t.db.raw('ANALYZE webhook_deliveries');

    const forJob = await listInbox(t.db, { jobId, limit: 50 });
    expect(forJob.map((r) => r.body_sha256).sort()).toEqual(['mine', 'refused-mine']);
    const forB = await listInbox(t.db, { companyId: b.id, limit: 10 });
    expect(forB).toHaveLength(11);
    expect(forB.every((r) => r.company_id === b.id)).toBe(true);
    const forA = await listInbox(t.db, { companyId: a.id, limit: 3 });
    expect(
      forA
        .map((r) => r.body_sha256)
        .slice(0, 2)
        .sort(),
    ).toEqual(['mine', 'refused-mine']);

    const tenantPlan = await planOf({ companyId: b.id, limit: 100 });
    expect(tenantPlan).toContain('webhook_deliveries_company_idx');
    expect(tenantPlan).not.toMatch(/Seq Scan on webhook_deliveries/);
    const jobPlan = await planOf({ jobId, limit: 100 });
    expect(jobPlan).toContain('webhook_deliveries_job_idx');
    expect(jobPlan).toContain('webhook_deliveries_named_job_idx');
    expect(jobPlan).not.toMatch(/Seq Scan on webhook_deliveries/);
  });
});
