// Edit and disable a tenant (issue 20 item 4; D263): PATCH /api/v1/ops/companies/{id} changes its name or
// signature algorithm, or disables it; a disabled tenant's triggers (CallRail's signed webhook, the rep app's
// upload) are refused with 403 TENANT_DISABLED in the envelope while its reads still work; enabled again,
// calls are accepted. Every change is audited. Bad input and non-operators are refused in the envelope.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zCompany, zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  buildCallJob,
  buildCompany,
  callRailPayload,
  postCallRail,
  tenantToken,
} from '../helpers/factories.ts';
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
    DATABASE_URL: t.url,
    AUTH_FAILURE_LIMIT: '1000000000',
  });
  otto = await listen(
    buildApp({ config, db: t.db, logger: createLogger('silent'), workerCheck: async () => 'ok' }),
  );
});
afterAll(async () => {
  await otto?.close();
  await t?.drop();
});

const patch = (id: string, body: unknown, headers: Record<string, string> = TEST_ADMIN) =>
  fetch(`${otto.url}/api/v1/ops/companies/${id}`, {
    method: 'PATCH',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const errorCode = async (res: Response, status: number) => {
  expect(res.status).toBe(status);
  return zErrorEnvelope.parse(await res.json()).error.error_code;
};
const upload = async (companyId: string) =>
  fetch(`${otto.url}/api/v1/recording-sessions/${randomUUID()}/upload-audio`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await tenantToken(companyId)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ audio_url: 'https://uploads.example.com/visit.m4a' }),
  });

describe('edit and disable a tenant', () => {
  it('edits the name and signature algorithm, audited with the changes', async () => {
    const company = await buildCompany(t.db);
    const res = await patch(company.id, {
      name: 'Renamed Roofing',
      callrail_signature_algorithm: 'hmac-sha256',
    });
    expect(res.status).toBe(200);
    expect(zCompany.parse(await res.json())).toMatchObject({
      id: company.id,
      name: 'Renamed Roofing',
      callrail_signature_algorithm: 'hmac-sha256',
      disabled_at: null,
    });
    const audits = await t.db('audit_log').where({ action: 'company.updated', target_id: company.id });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actor: 'admin',
      company_id: company.id,
      details: { changes: { name: 'Renamed Roofing', callrail_signature_algorithm: 'hmac-sha256' } },
    });
  });

  it("refuses a disabled tenant's triggers in the envelope, keeps its reads, and accepts calls again once enabled", async () => {
    const company = await buildCompany(t.db);
    const { callId } = await buildCallJob(t.db, company.id);
    const disabled = zCompany.parse(await (await patch(company.id, { disabled: true })).json());
    expect(disabled.disabled_at).toEqual(expect.any(String));

    const calls = () => t.db('calls').where({ company_id: company.id });
    expect(await errorCode(await postCallRail(otto.url, company, callRailPayload(company)), 403)).toBe(
      'TENANT_DISABLED',
    );
    expect(await errorCode(await upload(company.id), 403)).toBe('TENANT_DISABLED');
    expect(await calls()).toHaveLength(1);
    expect(await t.db('recording_sessions').where({ company_id: company.id })).toHaveLength(0);
    // a wrong signature is still answered as one: only the tenant's own sender learns it is disabled
    expect(await errorCode(await postCallRail(otto.url, company, callRailPayload(company), 'bad'), 401)).toBe(
      'INVALID_SIGNATURE',
    );

    const read = await fetch(`${otto.url}/api/v1/calls/${callId}/analysis`, {
      headers: { authorization: `Bearer ${await tenantToken(company.id)}` },
    });
    expect(read.status).toBe(200);
    const stored = await t.db('companies').where({ id: company.id }).first('disabled_at');
    expect(new Date(stored.disabled_at).toISOString()).toBe(disabled.disabled_at);

    const enabled = zCompany.parse(await (await patch(company.id, { disabled: false })).json());
    expect(enabled.disabled_at).toBeNull();
    expect((await postCallRail(otto.url, company, callRailPayload(company))).status).toBe(202);
    expect(await calls()).toHaveLength(2);
    const actions = await t
      .db('audit_log')
      .where({ action: 'company.updated', target_id: company.id })
      .orderBy('id');
    expect(actions.map((a) => a.details.changes)).toEqual([{ disabled: true }, { disabled: false }]);
  });

  it('answers bad input and non-operators in the envelope', async () => {
    const company = await buildCompany(t.db);
    expect(await errorCode(await patch(company.id, {}), 400)).toBe('VALIDATION_ERROR');
    expect(await errorCode(await patch(company.id, { disabled: 'yes' }), 400)).toBe('VALIDATION_ERROR');
    expect(await errorCode(await patch(company.id, { name: '' }), 400)).toBe('VALIDATION_ERROR');
    expect(await errorCode(await patch(company.id, { callrail_signing_key: 'x' }), 400)).toBe(
      'VALIDATION_ERROR',
    );
    expect(await errorCode(await patch('nope', { name: 'x' }), 400)).toBe('VALIDATION_ERROR');
    expect(await errorCode(await patch(randomUUID(), { name: 'x' }), 404)).toBe('NOT_FOUND');
    const manager = { authorization: `Bearer ${await tenantToken(company.id)}` };
    expect(await errorCode(await patch(company.id, { disabled: true }, manager), 401)).toBe('UNAUTHORIZED');
    expect(await errorCode(await patch(company.id, { disabled: true }, {}), 401)).toBe('UNAUTHORIZED');
    expect((await t.db('companies').where({ id: company.id }).first()).disabled_at).toBeNull();
  });
});
