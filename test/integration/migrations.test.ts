// Migrations on a real Postgres: a fresh database, a re-run, the committed schema snapshot, and the
// invariants the schema itself enforces (idempotency and tenancy as database facts).
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/knex.ts';
import { migrateAll, migrateOtto, pendingMigrations } from '../../src/db/migrate.ts';
import { describeSchema } from '../../src/db/schema-snapshot.ts';
import { createEmptyDatabase, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createEmptyDatabase();
});
afterAll(async () => {
  await t.drop();
});

describe('migrations', () => {
  it('apply to a fresh database, then apply nothing on a re-run', async () => {
    const first = await migrateAll(t.db, t.url);
    expect(first).toContain('0001_initial.sql');
    const second = await migrateAll(t.db, t.url);
    expect(second).toEqual([]);
    const worker = await t.db.raw(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'graphile_worker'`,
    );
    expect(worker.rows[0].n).toBeGreaterThan(0);
  });

  it('produce exactly the committed schema snapshot (run `npm run db:schema` after a migration)', async () => {
    const committed = await readFile(new URL('../../src/db/schema.snapshot.txt', import.meta.url), 'utf8');
    expect(await describeSchema(t.db)).toBe(committed);
  });

  it('are forward-only', async () => {
    await expect(t.db.migrate.down({ tableName: 'otto_migrations' })).rejects.toThrow();
    expect(await migrateOtto(t.db)).toEqual([]);
  });
});

// Two deploys migrate at once (D187): each run waits for the other instead of failing on knex's lock row.
describe('migrations from several deploys at once', () => {
  it('all succeed, and each migration is applied exactly once', async () => {
    const fresh = await createEmptyDatabase();
    const pools = [1, 2, 3].map(() => createDb(fresh.url, 2));
    try {
      expect(await pendingMigrations(fresh.db)).toContain('0001_initial.sql');
      const results = await Promise.allSettled(pools.map((db) => migrateAll(db, fresh.url)));
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
        'ok',
        'ok',
        'ok',
      ]);
      const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      const names = (await fresh.db('otto_migrations').select('name')).map((r) => r.name);
      expect([...applied].sort()).toEqual([...names].sort());
      expect(await pendingMigrations(fresh.db)).toEqual([]);
    } finally {
      await Promise.all(pools.map((db) => db.destroy()));
      await fresh.drop();
    }
  });
});

describe('schema invariants', () => {
  const company = async (name: string) =>
    (
      await t
        .db('companies')
        .insert({ name, callrail_signing_key: 'k'.repeat(32) })
        .returning('id')
    )[0].id as string;
  const call = async (companyId: string, callrailId: string) =>
    (
      await t
        .db('calls')
        .insert({ company_id: companyId, callrail_call_id: callrailId, callrail_payload: {} })
        .returning(['id', 'shunya_call_id'])
    )[0] as { id: string; shunya_call_id: number };

  it('keeps one call per CallRail call id and tenant, and numbers calls for Shunya', async () => {
    const a = await company('A');
    const b = await company('B');
    const c1 = await call(a, 'CAL1');
    const c2 = await call(b, 'CAL1');
    expect(typeof c1.shunya_call_id).toBe('number');
    expect(c2.shunya_call_id).not.toBe(c1.shunya_call_id);
    await expect(call(a, 'CAL1')).rejects.toThrow(/calls_company_id_callrail_call_id_key/);
  });

  it('refuses a row that points at another tenant', async () => {
    const a = await company('A2');
    const b = await company('B2');
    const c = await call(a, 'CAL-x');
    await expect(
      t.db('call_transcripts').insert({ company_id: b, call_id: c.id, transcript_text: 'hi' }),
    ).rejects.toThrow(/foreign key/);
  });

  it('keeps one analysis per call and one job per call', async () => {
    const a = await company('A3');
    const c = await call(a, 'CAL-y');
    const analysis = {
      company_id: a,
      call_id: c.id,
      summary: 's',
      objections: '[]',
      sentiment_score: 0,
      sop_stages_completed: '[]',
      sop_stages_missed: '[]',
      sop_compliance_score: 0,
      qualification: '{}',
      analysis: '{}',
    };
    await t.db('call_analyses').insert(analysis);
    await expect(t.db('call_analyses').insert(analysis)).rejects.toThrow(/unique/);
    const job = { company_id: a, job_type: 'csr_call', call_id: c.id, input_payload: {} };
    await t.db('shunya_jobs').insert(job);
    await expect(t.db('shunya_jobs').insert(job)).rejects.toThrow(/shunya_jobs_one_per_call_idx/);
  });

  it("keeps Shunya's job ids unique per tenant", async () => {
    const a = await company('A4');
    const c = await call(a, 'CAL-z');
    const [job] = await t
      .db('shunya_jobs')
      .insert({ company_id: a, job_type: 'csr_call', call_id: c.id, input_payload: {} })
      .returning('id');
    const op = {
      company_id: a,
      job_id: job.id,
      kind: 'transcription',
      shunya_job_id: 'task-1',
      status: 'submitted',
    };
    await t.db('shunya_operations').insert(op);
    await expect(t.db('shunya_operations').insert({ ...op, kind: 'analysis' })).rejects.toThrow(
      /shunya_operations_company_id_shunya_job_id_key/,
    );
  });

  it('keeps task and signal keys unique per tenant', async () => {
    const a = await company('A5');
    await t.db('tasks').insert({ company_id: a, task_key: 'k1', source: 'pending_action', title: 't' });
    await expect(
      t.db('tasks').insert({ company_id: a, task_key: 'k1', source: 'pending_action', title: 't' }),
    ).rejects.toThrow(/unique/);
    await t.db('key_signals').insert({ company_id: a, signal_key: 's1', signal_type: 'urgency', title: 't' });
    await expect(
      t.db('key_signals').insert({ company_id: a, signal_key: 's1', signal_type: 'urgency', title: 't' }),
    ).rejects.toThrow(/unique/);
  });
});
