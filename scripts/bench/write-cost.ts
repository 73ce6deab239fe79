// One-off side by side for migration 0014 (pgwrite, D570–D573): on one cluster with fsync on, the same
// webhook-completed CSR calls (transcription, analysis, the relay's pass) against 0014's schema, main's
// (0014 reverted by hand) and 0014 with shunya_jobs at fillfactor 70; backend CPU from /proc, WAL by record
// type from pg_walinspect, HOT updates from pg_stat_user_tables. Usage: node --import tsx
// scripts/bench/write-cost.ts [calls per block] [blocks]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { createDb, type Db } from '../../src/db/knex.ts';
import { migrateAll } from '../../src/db/migrate.ts';
import { startThrowawayPostgres } from '../../src/db/throwaway.ts';
import { withDatabase } from '../../src/db/url.ts';
import { insertCompany } from '../../src/domain/companies.ts';
import { webhookStatus } from '../../src/http/errors.ts';
import { receiveWebhook } from '../../src/intake/webhook.ts';
import { systemClock } from '../../src/jobs/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { handoffWebhookSignature } from '../../wire/signatures.ts';

// Otto's secrets for this throwaway cluster only (outside development every secret must be set, D135);
// scripts/ import nothing from test/ (test/unit/architecture.test.ts)
const BENCH_SECRETS = {
  OTTO_ADMIN_TOKEN: 'write-cost-only-admin-token-7e2a91c4',
  UWC_JWT_SECRET: 'write-cost-only-uwc-jwt-secret-4b8d03f6',
  UWC_HMAC_SECRET: 'write-cost-only-uwc-hmac-secret-a1c95e27',
  AUTH_HS256_SECRET: 'write-cost-only-frontend-jwt-secret-6f30d8b2',
} as const;

const N = Number(process.argv[2] ?? 200);
const BLOCKS = Number(process.argv[3] ?? 4);
const srv = await startThrowawayPostgres({
  useDatabaseUrl: false,
  settings: { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' },
});
const admin = new pg.Client({ connectionString: srv.adminUrl });
await admin.connect();
await admin.query('CREATE EXTENSION pg_walinspect');
const REVERT = [
  'DROP TRIGGER companies_keep_events ON companies',
  'DROP FUNCTION otto_company_without_events()',
  'ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_company_id_fkey FOREIGN KEY (company_id) REFERENCES companies(id)',
  'CREATE INDEX outbox_events_occurred_idx ON outbox_events (occurred_at)',
  'ALTER TABLE shunya_jobs RESET (fillfactor)',
];
const config = loadConfig({ ...BENCH_SECRETS, UWC_BASE_URL: 'http://127.0.0.1:9' });
interface Side {
  name: string;
  db: Db;
  pid: number;
  companies: string[];
  jobs: { job: string; company: string; call: number; t: string; a: string }[];
}
const sides: Side[] = [];
for (const name of ['main', 'pgwrite', 'ff70']) {
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(srv.adminUrl, name);
  const setup = createDb(url, 2);
  await migrateAll(setup, url);
  if (name === 'main') for (const s of REVERT) await setup.raw(s);
  if (name === 'ff70') await setup.raw('ALTER TABLE shunya_jobs SET (fillfactor = 70)');
  const companies: string[] = [];
  for (let i = 0; i < 5; i++)
    companies.push(
      (await insertCompany(setup, { name: `C${i}`, callrail_company_id: String(100000000 + i) } as never)).id,
    );
  const jobs: Side['jobs'] = [];
  for (let i = 0; i < N * BLOCKS; i++) {
    const company = companies[i % 5]!;
    const [call] = await setup('calls')
      .insert({
        company_id: company,
        callrail_call_id: `CAL${randomUUID()}`,
        callrail_payload: {},
        shunya_call_id: 50000 + i,
      })
      .returning('id');
    const [job] = await setup('shunya_jobs')
      .insert({
        company_id: company,
        job_type: 'csr_call',
        call_id: call.id,
        job_status: 'running',
        stage: 'transcription',
        attempts: 1,
        input_payload: { call_id: call.id, shunya_call_id: 50000 + i, audio_url: 'https://a/b.mp3' },
      })
      .returning('id');
    await setup('shunya_job_attempts').insert({
      company_id: company,
      job_id: job.id,
      attempt: 1,
      stage: 'transcription',
    });
    const t = `task-${randomUUID()}`;
    await setup('shunya_operations').insert({
      company_id: company,
      job_id: job.id,
      kind: 'transcription',
      status: 'submitted',
      shunya_job_id: t,
      submitted_at: new Date(),
    });
    await setup('tenant_admission')
      .where({ company_id: company })
      .update({ running: setup.raw('running + 1') });
    jobs.push({ job: job.id, company, call: 50000 + i, t, a: `task-${randomUUID()}` });
  }
  await setup.raw('VACUUM ANALYZE');
  await setup.raw('SELECT pg_stat_reset()');
  await setup.raw('CHECKPOINT');
  await setup.destroy();
  const db = createDb(url, 1);
  const pid = (await db.raw('SELECT pg_backend_pid() AS p')).rows[0].p;
  sides.push({ name, db, pid, companies, jobs });
}
const deps = (db: Db) => ({
  db,
  config,
  logger: createLogger('silent'),
  client: shunyaClientFromConfig(config),
  normalize: shunyaNormalizers,
  clock: systemClock,
});
function delivery(companyId: string, shunyaJobId: string, result: unknown) {
  const raw = Buffer.from(
    JSON.stringify({ shunya_job_id: shunyaJobId, status: 'completed', company_id: companyId, result }),
  );
  const timestamp = String(Date.now());
  const signature = handoffWebhookSignature(BENCH_SECRETS.UWC_HMAC_SECRET, timestamp, raw);
  return {
    headers: {
      'x-shunya-timestamp': timestamp,
      'x-shunya-signature': signature,
      'content-type': 'application/json',
    },
    rawBody: raw,
    requestId: randomUUID(),
    statusOf: webhookStatus,
  };
}
const transcript = {
  transcript_text: 'Hello there. I would like new windows for the house, three of them, before winter.',
  speaker_labels: [{ speaker: 'customer', text: 'Hello there.', start_time: 0, end_time: 1 }],
  confidence_score: 0.9,
  created_at: '2025-01-15T10:00:00Z',
};
const analysis = (callId: number) => ({
  call_id: callId,
  qualification: {
    qualification_status: 'hot',
    booking_status: 'booked',
    appointment_date: '2026-12-20T10:00:00Z',
  },
  objections: { objections: [{ objection_text: 'That is a lot', category_text: 'Price/Budget' }] },
  compliance: { compliance_score: 8 },
  summary: { summary: 'The customer wants new windows.' },
  sentiment_score: 0.6,
  entities: { address: '1 Main St' },
});
const cpu = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const lsn = async () => (await admin.query('SELECT pg_current_wal_insert_lsn() AS l')).rows[0].l as string;
const totals: Record<
  string,
  {
    calls: number;
    cpu: number;
    wal: number;
    records: number;
    byType: Record<string, number>;
    applied: number;
  }
> = {};
for (let b = 0; b < BLOCKS; b++) {
  for (const s of b % 2 === 0 ? sides : [...sides].reverse()) {
    const block = s.jobs.slice(b * N, (b + 1) * N);
    const tot = totals[s.name] ?? { calls: 0, cpu: 0, wal: 0, records: 0, byType: {}, applied: 0 };
    totals[s.name] = tot;
    s.pid = (await s.db.raw('SELECT pg_backend_pid() AS p')).rows[0].p;
    const l0 = await lsn();
    const c0 = cpu(s.pid);
    for (const j of block) {
      const r = await receiveWebhook(deps(s.db) as never, delivery(j.company, j.t, transcript) as never);
      if (r.verdict === 'processed') tot.applied++;
    }
    const c1 = cpu(s.pid);
    const l1 = await lsn();
    // the analysis operation as the submission leaves it (not measured)
    await s.db.raw(
      `UPDATE shunya_operations o SET status = 'submitted', shunya_job_id = v.t, submitted_at = now()
      FROM (SELECT unnest(?::uuid[]) AS job, unnest(?::text[]) AS t) v WHERE o.job_id = v.job AND o.kind = 'analysis'`,
      [block.map((j) => j.job), block.map((j) => j.a)],
    );
    s.pid = (await s.db.raw('SELECT pg_backend_pid() AS p')).rows[0].p;
    const l2 = await lsn();
    const c2 = cpu(s.pid);
    for (const j of block) {
      const r = await receiveWebhook(
        deps(s.db) as never,
        delivery(j.company, j.a, analysis(j.call)) as never,
      );
      if (r.verdict === 'processed') tot.applied++;
    }
    for (;;) {
      const p = await s.db.raw('SELECT published FROM otto_relay_pass(500)');
      if (!p.rows[0].published) break;
    }
    const c3 = cpu(s.pid);
    const l3 = await lsn();
    tot.calls += block.length;
    tot.cpu += c1 - c0 + (c3 - c2);
    for (const [a, z] of [
      [l0, l1],
      [l2, l3],
    ] as const) {
      const st = await admin.query(
        'SELECT "resource_manager/record_type" AS t, count, combined_size FROM pg_get_wal_stats($1, $2, true) WHERE count > 0',
        [a, z],
      );
      for (const r of st.rows) {
        tot.byType[r.t] = (tot.byType[r.t] ?? 0) + Number(r.combined_size);
        tot.records += Number(r.count);
        tot.wal += Number(r.combined_size);
      }
    }
  }
}
for (const [name, t] of Object.entries(totals)) {
  console.log(
    `${name}: ${t.calls} calls (${t.applied} webhooks processed); backend CPU ${(t.cpu / t.calls).toFixed(2)} ms/call; WAL ${(t.wal / t.calls / 1024).toFixed(2)} kB/call, ${(t.records / t.calls).toFixed(1)} records/call`,
  );
  for (const [k, v] of Object.entries(t.byType)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 10))
    console.log(`   ${k}: ${(v / t.calls / 1024).toFixed(2)} kB/call`);
}
for (const s of sides) {
  await s.db.raw('SELECT pg_stat_force_next_flush()');
  await s.db.raw('SELECT 1');
  await new Promise((r) => setTimeout(r, 1500));
  const hot = await s.db.raw(
    `SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname IN ('shunya_jobs','shunya_operations','outbox_events') ORDER BY 1`,
  );
  console.log(
    s.name,
    hot.rows
      .map(
        (r: { relname: string; n_tup_upd: string; n_tup_hot_upd: string }) =>
          `${r.relname} ${r.n_tup_hot_upd}/${r.n_tup_upd} HOT`,
      )
      .join(', '),
  );
  await s.db.destroy();
}
await admin.end();
await srv.stop();
