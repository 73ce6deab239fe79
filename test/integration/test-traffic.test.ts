// The console's test call goes through CallRail's signed HTTP path like a real call (issue 20 item 4,
// D262): Otto POSTs a webhook signed with the tenant's key and algorithm to its own
// /webhooks/callrail/call.completed, which accepts it; the operator's action is audited before it is sent, then names the job. A
// tenant without a CallRail company id cannot be named by such a webhook and is refused in the envelope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope, zTestTrafficAccepted } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_ADMIN, TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let otto: Listening;

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    ...TEST_SECRETS,
    LOG_LEVEL: 'silent',
    UWC_BASE_URL: 'http://127.0.0.1:9',
    // test traffic is sent only beside a simulator; none needs to answer for a trigger
    SIMULATOR_URL: 'http://127.0.0.1:9',
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
    buildApp({
      config,
      db: t.db,
      logger: createLogger('silent'),
      pipeline,
      metrics: createMetrics(t.db),
      workerCheck: async () => 'ok',
    }),
  );
});
afterAll(async () => {
  await otto?.close();
  await t?.drop();
});

const sendCall = (companyId: string) =>
  fetch(`${otto.url}/api/v1/ops/companies/${companyId}/test-traffic`, {
    method: 'POST',
    headers: { ...TEST_ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'csr_call' }),
  });

/** How many requests Otto's CallRail webhook route answered with `status`, from /metrics. */
async function webhookRequests(status: number): Promise<number> {
  const text = await (await fetch(`${otto.url}/metrics`, { headers: TEST_ADMIN })).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('http_server_request_duration_seconds_count{') &&
        l.includes('http_route="/webhooks/callrail/call.completed"') &&
        l.includes(`http_response_status_code="${status}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('test traffic through CallRail’s signed path', () => {
  for (const algorithm of ['hmac-sha1', 'hmac-sha256'] as const)
    it(`sends a test call as a webhook signed with the tenant's ${algorithm} key, audited`, async () => {
      const company = await buildCompany(t.db, { callrail_signature_algorithm: algorithm });
      const before = await webhookRequests(202);
      const res = await sendCall(company.id);
      expect(res.status).toBe(202);
      const sent = zTestTrafficAccepted.parse(await res.json());
      expect(await webhookRequests(202)).toBe(before + 1);

      const call = await t.db('calls').where({ id: sent.call_id }).first();
      expect(call).toMatchObject({ company_id: company.id, callrail_call_id: sent.callrail_call_id });
      const audits = await t.db('audit_log').where({ action: 'test_call.sent', company_id: company.id });
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({
        actor: 'admin',
        target_type: 'job',
        target_id: sent.job_id,
        details: { callrail_call_id: sent.callrail_call_id },
      });
    });

  it('refuses a tenant without a CallRail company id in the envelope, sending nothing', async () => {
    const company = await buildCompany(t.db, { callrail_company_id: null as unknown as string });
    const before = await webhookRequests(401);
    const res = await sendCall(company.id);
    expect(res.status).toBe(409);
    expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe('CALLRAIL_NOT_CONFIGURED');
    expect(await webhookRequests(401)).toBe(before);
    expect(await t.db('calls').where({ company_id: company.id })).toHaveLength(0);
  });
});
