// The bench's Postgres sampler (D530) on a real Postgres: a connection opened during the "phase" is a started
// backend named by its application name, closing it is an ended one, the background processes are named by
// their type, the rows written are per call by table, and an index nothing scanned is listed.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_APP, PgCpuSampler } from '../../scripts/bench/pgcpu.ts';
import { type PgServer, startPostgres } from '../../scripts/lib/stack.ts';

let server: PgServer;
let url: string;

beforeAll(async () => {
  server = await startPostgres({ durable: false });
  url = await server.createDatabase('sampled');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE things (id int PRIMARY KEY, tag text)');
  await c.query('CREATE INDEX things_tag_idx ON things (tag)');
  await c.end();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('the Postgres CPU sampler', () => {
  it('names the backends, counts the ones started and ended, and the rows written per call', async () => {
    const sampler = new PgCpuSampler(server.adminUrl, server.postmasterPid(), 'sampled', 50);
    await sampler.start();
    const c = new pg.Client({ connectionString: url, application_name: BENCH_APP });
    await c.connect();
    for (let i = 0; i < 40; i++) await c.query('INSERT INTO things VALUES ($1, $2)', [i, `t${i % 4}`]);
    // a read by primary key: things_pkey is scanned, things_tag_idx is not
    await c.query('SET enable_seqscan = off');
    await c.query('SELECT * FROM things WHERE id = 7');
    // seen at least once by a sample while connected
    await new Promise((r) => setTimeout(r, 200));
    await c.end();
    await new Promise((r) => setTimeout(r, 200));
    const end = await sampler.stop();
    const r = sampler.result(end, 10);

    expect(r.backends['client: the bench']).toBe(1);
    expect(r.backendsStarted).toBeGreaterThanOrEqual(1);
    expect(r.backendsEnded).toBeGreaterThanOrEqual(1);
    expect(Object.keys(r.msPerCall)).toEqual(
      expect.arrayContaining(['postmaster', 'checkpointer', 'walwriter', 'client: the bench']),
    );
    for (const ms of Object.values(r.msPerCall)) expect(Number.isFinite(ms)).toBe(true);
    // pg_stat_user_tables counts a transaction's rows once its backend reports them (at the latest when it
    // exits); 40 rows over 10 calls
    expect(r.tuplesPerCall['public.things']).toEqual({ ins: 4, upd: 0, hot: 0, del: 0 });
    expect(r.unscannedIndexes).toEqual([{ table: 'public.things', index: 'public.things_tag_idx' }]);
    expect(r.walRecordsPerCall).toBeGreaterThan(0);
  }, 60_000);
});
