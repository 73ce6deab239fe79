// Issue 16, finding 14: `npm run company:create` wrote no audit entry; an operator reading a transcript
// through a job's journey was not audited; the test-traffic entry was written outside the trigger's
// transaction. Now each commits with what it does or reads (D150). To show "with", an audit write is made
// to fail (a trigger on audit_log): the action must then leave nothing behind.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { type RunningOtto, startOtto } from '../../src/main.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { ROOT } from '../helpers/spawn.ts';
import { ADMIN, SECRETS } from './app.ts';

let t: TestDatabase;
let otto: RunningOtto;
const ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  OTTO_ROLE: 'api',
  PORT: '0',
  SIMULATOR_URL: 'http://127.0.0.1:9', // test traffic needs one configured; nothing is sent to it here
  ...SECRETS,
};

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.raw(`
    CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit log refused (test)'; END $$;
    CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();
    ALTER TABLE audit_log DISABLE TRIGGER refuse_audit;`);
  otto = await startOtto(loadConfig({ ...ENV, DATABASE_URL: t.url }), createLogger('silent'));
});
beforeEach(async () => {
  await t.db.raw('ALTER TABLE audit_log DISABLE TRIGGER refuse_audit');
});
afterAll(async () => {
  await otto?.close();
  await t?.drop();
});

const refuseAudit = () => t.db.raw('ALTER TABLE audit_log ENABLE TRIGGER refuse_audit');
const entries = (where: Record<string, unknown>) => t.db('audit_log').where(where).orderBy('id');

function companyCreate(name: string) {
  return promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/company-create.ts', '--name', name, '--callrail-company-id', name],
    { cwd: ROOT, env: { ...process.env, ...ENV, DATABASE_URL: t.url } },
  ).then(
    () => 0,
    (e: { code?: number }) => e.code ?? 1,
  );
}

describe('npm run company:create', () => {
  it('writes company.created, by cli:<user>, with the tenant', async () => {
    expect(await companyCreate('audit-cli-1')).toBe(0);
    const company = await t.db('companies').where({ callrail_company_id: 'audit-cli-1' }).first();
    const [entry] = await entries({ action: 'company.created', target_id: company.id });
    expect(entry).toMatchObject({ actor_kind: 'cli', company_id: company.id });
    expect(entry.actor).toMatch(/^cli:/);
  });

  it('creates no tenant when its audit entry cannot be written', async () => {
    await refuseAudit();
    expect(await companyCreate('audit-cli-2')).not.toBe(0);
    expect(await t.db('companies').where({ callrail_company_id: 'audit-cli-2' }).first()).toBeUndefined();
  });
});

describe("an operator reading a job's journey (the transcript, the customer's words)", () => {
  const journey = (jobId: string) =>
    fetch(`${otto.url}/api/v1/ops/jobs/${jobId}/journey`, { headers: ADMIN });

  it('is audited as journey.read, once per operator and job while the console polls it', async () => {
    const company = await buildCompany(t.db);
    const { jobId } = await buildCallJob(t.db, company.id);
    expect((await journey(jobId)).status).toBe(200);
    expect((await journey(jobId)).status).toBe(200);
    const read = await entries({ action: 'journey.read', target_id: jobId });
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ actor: 'admin', actor_kind: 'admin_token', company_id: company.id });
    // the read is not one of the job's own events
    const body = await (await journey(jobId)).json();
    expect(JSON.stringify(body.timeline)).not.toContain('journey.read');
  });

  it('is not served when its audit entry cannot be written', async () => {
    const company = await buildCompany(t.db);
    const { jobId } = await buildCallJob(t.db, company.id);
    await refuseAudit();
    expect((await journey(jobId)).status).toBe(500);
  });
});

describe('test traffic', () => {
  const send = (companyId: string, kind: string) =>
    fetch(`${otto.url}/api/v1/ops/companies/${companyId}/test-traffic`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ kind }),
    });

  it.each(['csr_call', 'sales_visit'])('%s: its audit entry names the job it created', async (kind) => {
    const company = await buildCompany(t.db);
    const res = await send(company.id, kind);
    expect(res.status).toBe(202);
    const { job_id } = await res.json();
    const [entry] = await entries({ target_id: job_id });
    expect(entry).toMatchObject({
      action: kind === 'csr_call' ? 'test_call.sent' : 'test_visit.sent',
      company_id: company.id,
    });
  });

  it.each(['csr_call', 'sales_visit'])(
    '%s: creates no job when its audit entry cannot be written',
    async (kind) => {
      const company = await buildCompany(t.db);
      await refuseAudit();
      expect((await send(company.id, kind)).status).toBe(500);
      expect(await t.db('shunya_jobs').where({ company_id: company.id }).first()).toBeUndefined();
    },
  );
});
