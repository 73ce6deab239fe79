// A trigger that Postgres picks as a deadlock victim is run again, not answered 500 (D44). Regression: the
// long chaos run had a CallRail trigger (admission: the tenant's advisory lock, then its due pending jobs)
// deadlock with a transaction of the same tenant that held one of those jobs and then wanted admission.
// Admission now locks the tenant's admission row instead of an advisory lock (D97); the cycle is the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { buildApp } from '../../src/http/app.ts';
import { acceptCallRailCall } from '../../src/intake/triggers.ts';
import { systemClock } from '../../src/jobs/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let otto: Listening;
let company: CompanyRow;
const config = loadConfig({ ...TEST_SECRETS, TENANT_MAX_CONCURRENT: '10' });

beforeAll(async () => {
  t = await createTestDatabase();
  otto = await listen(
    buildApp({ config, db: t.db, logger: createLogger('silent'), workerCheck: async () => 'disabled' }),
  );
  company = await buildCompany(t.db);
});
afterAll(async () => {
  await otto.close();
  await t.drop();
});

describe('a trigger chosen as a deadlock victim', () => {
  it('is run again and answered 202, with its call stored once', async () => {
    // a due pending job of the tenant (e.g. a retry whose time has come)
    const earlier = await acceptCallRailCall(
      t.db,
      company,
      {
        callrailCallId: 'CALdeadlock0001',
        recordingUrl: 'https://recordings.example.com/a.mp3',
        customerPhone: null,
        customerName: null,
        durationSeconds: 60,
        direction: 'inbound',
        answered: true,
        startedAt: null,
        payload: {},
      },
      { config, clock: systemClock },
    );
    await t
      .db('shunya_jobs')
      .where({ id: earlier.job_id })
      .update({ job_status: 'pending', next_attempt_at: null });

    // another transaction of the tenant holds that job, as a completion does...
    const other = await t.db.transaction();
    await other.raw('SELECT id FROM shunya_jobs WHERE id = ? FOR UPDATE', [earlier.job_id]);
    // ...while a trigger admits the tenant's due jobs: it locks the tenant's admission row and waits for the job
    const payload = callRailPayload(company);
    const trigger = postCallRail(otto.url, company, payload);
    await new Promise((r) => setTimeout(r, 300));
    // ...and the other transaction now wants admission too: a cycle, which Postgres breaks after
    // deadlock_timeout (1 s) by aborting the transaction that waited first, the trigger's
    await other.raw('SELECT 1 FROM tenant_admission WHERE company_id = ? FOR UPDATE', [company.id]);
    await other.commit();

    const res = await trigger;
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'queued', duplicate: false });
    // the retried transaction admitted both due jobs
    expect(await t.db('shunya_jobs').where({ id: body.job_id }).first()).toMatchObject({
      job_status: 'running',
    });
    const calls = await t
      .db('calls')
      .where({ company_id: company.id, callrail_call_id: payload.resource_id });
    expect(calls).toHaveLength(1);
    expect(await t.db('shunya_jobs').where({ call_id: calls[0].id })).toHaveLength(1);
  }, 20_000);
});
