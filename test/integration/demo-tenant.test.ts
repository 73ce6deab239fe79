// The demo tenant npm start seeds (issue 11 item 10, D90): its CallRail signing key is published in the
// README, so it exists with that key only in development, with a generated key in test, and never in
// production.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, seedDemoCompany } from '../../src/dev/demo.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});
afterEach(async () => {
  await t.db('companies').del();
});

const demoRows = () => t.db('companies').where({ callrail_company_id: DEMO.callrailCompanyId });

describe('the demo tenant', () => {
  it('is never created in production', async () => {
    expect(await seedDemoCompany(t.db, 'production')).toBeNull();
    expect(await t.db('companies').select('id')).toEqual([]);
  });

  it('has the published signing key in development, once however often npm start runs', async () => {
    const first = await seedDemoCompany(t.db, 'development');
    const again = await seedDemoCompany(t.db, 'development');
    expect(first?.callrail_signing_key).toBe(DEMO.signingKey);
    expect(again?.id).toBe(first?.id);
    expect(await demoRows()).toHaveLength(1);
  });

  it('has a generated signing key outside development, kept across starts', async () => {
    const first = await seedDemoCompany(t.db, 'test');
    expect(first?.callrail_signing_key).not.toBe(DEMO.signingKey);
    expect(first?.callrail_signing_key).toMatch(/^[0-9a-f]{48}$/);
    expect((await seedDemoCompany(t.db, 'test'))?.callrail_signing_key).toBe(first?.callrail_signing_key);
  });

  it('outside development, replaces the published key a development run left behind', async () => {
    const dev = await seedDemoCompany(t.db, 'development');
    const test = await seedDemoCompany(t.db, 'test');
    expect(test?.id).toBe(dev?.id);
    expect(test?.callrail_signing_key).not.toBe(DEMO.signingKey);
    expect((await demoRows())[0].callrail_signing_key).toBe(test?.callrail_signing_key);
  });
});
