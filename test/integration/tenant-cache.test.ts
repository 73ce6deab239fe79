// The CallRail trigger keeps its tenants' rows in the API process (issue 21 item 1, D412). A row another
// process changed must not be believed: with two app instances on one database (two API processes), a tenant
// disabled, re-keyed or switched to another algorithm through one is refused at once by the other, with the
// answers of D263 and D13, and nothing written; a call signed as the tenant now says is accepted at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { buildApp } from '../../src/http/app.ts';
import { TenantCache } from '../../src/intake/tenant-cache.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, callRailPayload, callRailSignature, postCallRail } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_ADMIN, TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let a: Listening;
let b: Listening;

beforeAll(async () => {
  t = await createTestDatabase();
  const app = () =>
    listen(
      buildApp({
        config: loadConfig({ ...TEST_SECRETS }),
        db: t.db,
        logger: createLogger('silent'),
        workerCheck: async () => 'disabled',
      }),
    );
  a = await app();
  b = await app();
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await t?.drop();
});

const calls = async (company: CompanyRow) =>
  Number((await t.db('calls').where({ company_id: company.id }).count({ n: '*' }))[0]?.n);

async function refused(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe(code);
}

/** An operator's change of the tenant, through the other instance. */
async function change(company: CompanyRow, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${b.url}/api/v1/ops/companies/${company.id}`, {
    method: 'PATCH',
    headers: { ...TEST_ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

describe("the CallRail trigger's cached tenants, across API processes (D412)", () => {
  it('refuses a tenant disabled through another process at once, and accepts it re-enabled at once', async () => {
    const company = await buildCompany(t.db);
    expect((await postCallRail(a.url, company, callRailPayload(company))).status).toBe(202);
    await change(company, { disabled: true });
    await refused(await postCallRail(a.url, company, callRailPayload(company)), 403, 'TENANT_DISABLED');
    expect(await calls(company)).toBe(1);
    await change(company, { disabled: false });
    expect((await postCallRail(a.url, company, callRailPayload(company))).status).toBe(202);
    expect(await calls(company)).toBe(2);
  });

  it('refuses a call signed with the old key of a tenant re-keyed elsewhere, and accepts the new key', async () => {
    const company = await buildCompany(t.db);
    expect((await postCallRail(a.url, company, callRailPayload(company))).status).toBe(202);
    const rekeyed = { ...company, callrail_signing_key: 'a-new-signing-key-0123456789abcdef' };
    await t
      .db('companies')
      .where({ id: company.id })
      .update({ callrail_signing_key: rekeyed.callrail_signing_key });
    await refused(await postCallRail(a.url, company, callRailPayload(company)), 401, 'INVALID_SIGNATURE');
    expect(await calls(company)).toBe(1);
    expect((await postCallRail(a.url, rekeyed, callRailPayload(rekeyed))).status).toBe(202);
    expect(await calls(company)).toBe(2);
  });

  it("follows a change of the tenant's signature algorithm made through another process", async () => {
    const company = await buildCompany(t.db);
    expect((await postCallRail(a.url, company, callRailPayload(company))).status).toBe(202);
    await change(company, { callrail_signature_algorithm: 'hmac-sha256' });
    await refused(await postCallRail(a.url, company, callRailPayload(company)), 401, 'INVALID_SIGNATURE');
    const payload = callRailPayload(company);
    const sha256 = callRailSignature(company.callrail_signing_key, JSON.stringify(payload), 'sha256');
    expect((await postCallRail(a.url, company, payload, sha256)).status).toBe(202);
    expect(await calls(company)).toBe(2);
  });
});

describe('TenantCache', () => {
  const refOf = (c: CompanyRow) => ({ companyId: c.callrail_company_id as string, resourceId: null });

  it('keeps at most its bound of tenants, the oldest going first, and no unknown id', async () => {
    const cache = new TenantCache(t.db, Date.now, 2, 60_000);
    const [x, y, z] = [await buildCompany(t.db), await buildCompany(t.db), await buildCompany(t.db)];
    for (const c of [x, y, z]) expect((await cache.find(refOf(c))).cached).toBe(false);
    expect(cache.size).toBe(2);
    expect(await cache.find(refOf(z))).toMatchObject({ cached: true, row: { id: z.id } });
    expect((await cache.find(refOf(x))).cached).toBe(false);
    expect((await cache.find({ companyId: 'no-such-company', resourceId: null })).row).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('reads a tenant again once its time to live is over', async () => {
    let now = 0;
    const cache = new TenantCache(t.db, () => now, 10, 1_000);
    const c = await buildCompany(t.db);
    expect((await cache.find(refOf(c))).cached).toBe(false);
    now = 999;
    expect((await cache.find(refOf(c))).cached).toBe(true);
    now = 1_000;
    expect((await cache.find(refOf(c))).cached).toBe(false);
  });
});
