// The chaos run's invariants, each a named check that counts its violations (0 is the only pass). They
// read the database after the run, what the load generator was acknowledged, and what every tenant's
// event stream received. A few details (which unique key, which foreign key, which tenant) are reported
// through `violate` as well.
import type { Db } from '../../src/db/knex.ts';
import { OPERATOR_ONLY_EVENTS } from '../../src/domain/outbox.ts';
import type { ChaosTenant, Item } from './load.ts';
import type { Received } from './streams.ts';

export interface CheckContext {
  db: Db;
  items: Item[];
  tenants: ChaosTenant[];
  received: Map<string, Received[]>;
  violate(what: string): void;
}

export interface Check {
  name: string;
  count(ctx: CheckContext): Promise<number>;
}

/** A check that counts the rows of a query (each row is one violation). */
const rows = (name: string, sql: string): Check => ({
  name,
  async count({ db }) {
    return Number((await db.raw(`SELECT count(*)::int AS n FROM (${sql}) x`)).rows[0].n);
  },
});

/** What the load generator was acknowledged, as tables, so that the checks can join against it. */
async function recordAcknowledged({ db, items }: CheckContext): Promise<void> {
  if ((await db.raw(`SELECT to_regclass('chaos_sent_calls') AS t`)).rows[0].t) return;
  await db.raw(
    'CREATE TABLE chaos_sent_calls (company_id uuid, callrail_call_id text, call_id uuid, job_id uuid)',
  );
  await db.raw('CREATE TABLE chaos_sent_visits (company_id uuid, session_id uuid, job_id uuid)');
  const acked = items.filter((i) => i.ack);
  const calls = acked
    .filter((i) => i.kind === 'call')
    .map((i) => ({
      company_id: i.tenant.id,
      callrail_call_id: i.key,
      call_id: i.ack?.call_id,
      job_id: i.ack?.job_id,
    }));
  const visits = acked
    .filter((i) => i.kind === 'visit')
    .map((i) => ({ company_id: i.tenant.id, session_id: i.key, job_id: i.ack?.job_id }));
  for (let i = 0; i < calls.length; i += 1000) await db('chaos_sent_calls').insert(calls.slice(i, i + 1000));
  for (let i = 0; i < visits.length; i += 1000)
    await db('chaos_sent_visits').insert(visits.slice(i, i + 1000));
}

const acknowledged = (name: string, sql: string): Check => ({
  name,
  async count(ctx) {
    await recordAcknowledged(ctx);
    return rows(name, sql).count(ctx);
  },
});

const uniqueKeys: Check = {
  name: 'duplicate rows by the schema unique keys',
  async count({ db, violate }) {
    const keys = (
      await db.raw(
        `SELECT t.relname AS tbl, i.relname AS idx, array_agg(a.attname::text ORDER BY k.ord) AS cols,
                pg_get_expr(ix.indpred, ix.indrelid) AS pred, bool_or(k.attnum = 0) AS has_expr
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
         WHERE n.nspname = 'public' AND ix.indisunique AND t.relname NOT LIKE 'chaos_%' GROUP BY 1, 2, 4`,
      )
    ).rows as { tbl: string; idx: string; cols: string[]; pred: string | null; has_expr: boolean }[];
    let total = 0;
    for (const u of keys.filter((x) => !x.has_expr)) {
      const cols = u.cols.map((c) => `"${c}"`).join(', ');
      const notNull = u.cols.map((c) => `"${c}" IS NOT NULL`).join(' AND ');
      const r = await db.raw(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM "${u.tbl}" WHERE ${notNull}${u.pred ? ` AND (${u.pred})` : ''}
         GROUP BY ${cols} HAVING count(*) > 1) d`,
      );
      if (r.rows[0].n > 0)
        violate(`duplicate rows in ${u.tbl} by ${u.idx} (${u.cols.join(', ')}): ${r.rows[0].n}`);
      total += r.rows[0].n;
    }
    coverage.uniqueKeys = keys.filter((x) => !x.has_expr).length;
    return total;
  },
};

const foreignKeys: Check = {
  name: 'cross-tenant rows by foreign key',
  async count({ db, violate }) {
    const fks = (
      await db.raw(
        `SELECT c.conname, ct.relname AS child, pt.relname AS parent,
                array_agg(ca.attname::text ORDER BY k.ord) AS child_cols, array_agg(pa.attname::text ORDER BY k.ord) AS parent_cols
         FROM pg_constraint c JOIN pg_class ct ON ct.oid = c.conrelid JOIN pg_class pt ON pt.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = ct.relnamespace
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(ck, pk, ord)
         JOIN pg_attribute ca ON ca.attrelid = ct.oid AND ca.attnum = k.ck
         JOIN pg_attribute pa ON pa.attrelid = pt.oid AND pa.attnum = k.pk
         WHERE c.contype = 'f' AND n.nspname = 'public'
           AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = ct.oid AND x.attname = 'company_id')
           AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = pt.oid AND x.attname = 'company_id')
         GROUP BY 1, 2, 3`,
      )
    ).rows as {
      conname: string;
      child: string;
      parent: string;
      child_cols: string[];
      parent_cols: string[];
    }[];
    let total = 0;
    for (const fk of fks) {
      const on = fk.child_cols.map((c, i) => `c."${c}" = p."${fk.parent_cols[i]}"`).join(' AND ');
      const r = await db.raw(
        `SELECT count(*)::int AS n FROM "${fk.child}" c JOIN "${fk.parent}" p ON ${on} WHERE c.company_id <> p.company_id`,
      );
      if (r.rows[0].n > 0)
        violate(`cross-tenant rows ${fk.child} → ${fk.parent} (${fk.conname}): ${r.rows[0].n}`);
      total += r.rows[0].n;
    }
    coverage.foreignKeys = fks.length;
    return total;
  },
};

const positions: Check = {
  name: 'event position gaps or repeats',
  async count({ db, violate }) {
    const p = (
      await db.raw(
        `SELECT count(position)::int AS published, count(DISTINCT position)::int AS distinct_positions,
                coalesce(min(position), 1)::int AS min, coalesce(max(position), 0)::int AS max FROM outbox_events`,
      )
    ).rows[0] as { published: number; distinct_positions: number; min: number; max: number };
    const ok = p.published === p.distinct_positions && p.min === 1 && p.max === p.published;
    if (!ok) violate(`event positions not gap-free: ${JSON.stringify(p)}`);
    return ok ? 0 : 1;
  },
};

const streams: Check = {
  name: 'event streams not exactly once',
  async count({ db, tenants, received, violate }) {
    let problems = 0;
    for (const t of tenants) {
      const ids = (
        await db.raw(
          // a tenant's stream carries its domain events, never the operator-only ones (D381)
          `SELECT position::int AS p FROM outbox_events
           WHERE company_id = ? AND position IS NOT NULL AND event_type <> ALL(?::text[]) ORDER BY position`,
          [t.id, [...OPERATOR_ONLY_EVENTS]],
        )
      ).rows.map((r: { p: number }) => r.p) as number[];
      const events = received.get(t.id) ?? [];
      const got = events.map((e) => e.id);
      const foreign = events.filter((e) => e.company_id !== t.id).length;
      const dupes = got.length - new Set(got).size;
      const outOfOrder = got.filter((id, i) => i > 0 && id <= (got[i - 1] as number)).length;
      const gotSet = new Set(got);
      const missing = ids.filter((id) => !gotSet.has(id)).length;
      const idSet = new Set(ids);
      const unknown = got.filter((id) => !idSet.has(id)).length;
      if (foreign + dupes + outOfOrder + missing + unknown > 0) {
        problems++;
        violate(
          `tenant ${t.id} stream: ${got.length} received of ${ids.length}: ${missing} missing, ${dupes} twice, ${outOfOrder} out of order, ${foreign} foreign, ${unknown} unknown`,
        );
      }
    }
    return problems;
  },
};

/** How much of the schema the generic checks covered (filled in as they run). */
export const coverage = { uniqueKeys: 0, foreignKeys: 0 };

export const CHECKS: Check[] = [
  rows(
    'jobs not terminal',
    `SELECT 1 FROM shunya_jobs WHERE job_status NOT IN ('succeeded', 'failed', 'timeout')`,
  ),
  // nothing lost: every acknowledged trigger has exactly its rows; nothing else exists
  acknowledged(
    'acknowledged calls missing or different',
    `SELECT 1 FROM chaos_sent_calls s LEFT JOIN calls c ON c.company_id = s.company_id AND c.callrail_call_id = s.callrail_call_id
     LEFT JOIN shunya_jobs j ON j.call_id = c.id WHERE c.id IS DISTINCT FROM s.call_id OR j.id IS DISTINCT FROM s.job_id`,
  ),
  acknowledged(
    'acknowledged visits missing or different',
    `SELECT 1 FROM chaos_sent_visits s LEFT JOIN recording_sessions r ON r.company_id = s.company_id AND r.id = s.session_id
     LEFT JOIN shunya_jobs j ON j.recording_session_id = r.id WHERE r.id IS NULL OR j.id IS DISTINCT FROM s.job_id`,
  ),
  acknowledged(
    'calls nobody sent',
    'SELECT 1 FROM calls c WHERE NOT EXISTS (SELECT 1 FROM chaos_sent_calls s WHERE s.call_id = c.id)',
  ),
  acknowledged(
    'recording sessions nobody sent',
    'SELECT 1 FROM recording_sessions r WHERE NOT EXISTS (SELECT 1 FROM chaos_sent_visits s WHERE s.session_id = r.id)',
  ),
  // every succeeded job has exactly its results and events; a failed one exactly what §9.3 says
  rows(
    'succeeded CSR calls without exactly one available transcript and one analysis',
    `SELECT 1 FROM shunya_jobs j WHERE j.job_type = 'csr_call' AND j.job_status = 'succeeded' AND (
       (SELECT count(*) FROM call_transcripts t WHERE t.call_id = j.call_id AND t.available) <> 1 OR
       (SELECT count(*) FROM call_analyses x WHERE x.call_id = j.call_id) <> 1)`,
  ),
  rows(
    'failed CSR calls without their "not available" transcript (§9.3) or with an analysis',
    `SELECT 1 FROM shunya_jobs j WHERE j.job_type = 'csr_call' AND j.job_status = 'failed' AND (
       (j.stage = 'transcription' AND (SELECT count(*) FROM call_transcripts t WHERE t.call_id = j.call_id AND NOT t.available) <> 1) OR
       (SELECT count(*) FROM call_analyses x WHERE x.call_id = j.call_id) <> 0)`,
  ),
  rows(
    'succeeded visits without exactly one transcript and one analysis',
    `SELECT 1 FROM shunya_jobs j WHERE j.job_type = 'sales_visit' AND j.job_status = 'succeeded' AND (
       (SELECT count(*) FROM recording_transcripts t WHERE t.recording_session_id = j.recording_session_id) <> 1 OR
       (SELECT count(*) FROM recording_analyses x WHERE x.recording_session_id = j.recording_session_id) <> 1)`,
  ),
  rows(
    'succeeded jobs without their events',
    `SELECT 1 FROM shunya_jobs j WHERE j.job_status = 'succeeded' AND (
       (SELECT count(*) FROM outbox_events e WHERE e.aggregate_id = j.id AND e.event_type = 'shunya.job.succeeded') <> 1 OR
       (j.job_type = 'csr_call' AND (SELECT count(*) FROM outbox_events e WHERE e.aggregate_id = j.call_id AND e.event_type = 'call.analyzed') <> 1) OR
       (j.job_type = 'sales_visit' AND (SELECT count(*) FROM outbox_events e WHERE e.aggregate_id = j.recording_session_id AND e.event_type = 'recording_session.analyzed') <> 1))`,
  ),
  // no duplicate domain rows
  uniqueKeys,
  rows(
    'once-per-aggregate events emitted more than once',
    `SELECT 1 FROM outbox_events WHERE event_type IN ('call.transcribed', 'call.analyzed', 'recording_session.analyzed',
       'appointment.created', 'shunya.job.succeeded', 'shunya.job.failed', 'shunya.job.timeout')
     GROUP BY aggregate_id, event_type HAVING count(*) > 1`,
  ),
  // no cross-tenant rows
  foreignKeys,
  rows(
    'events whose aggregate belongs to another tenant (or to nobody)',
    `SELECT 1 FROM outbox_events e WHERE NOT EXISTS (
       SELECT 1 FROM calls x WHERE e.aggregate_type = 'call' AND x.id = e.aggregate_id AND x.company_id = e.company_id
       UNION ALL SELECT 1 FROM leads x WHERE e.aggregate_type = 'lead' AND x.id = e.aggregate_id AND x.company_id = e.company_id
       UNION ALL SELECT 1 FROM appointments x WHERE e.aggregate_type = 'appointment' AND x.id = e.aggregate_id AND x.company_id = e.company_id
       UNION ALL SELECT 1 FROM recording_sessions x WHERE e.aggregate_type = 'recording_session' AND x.id = e.aggregate_id AND x.company_id = e.company_id
       UNION ALL SELECT 1 FROM shunya_jobs x WHERE e.aggregate_type = 'shunya_job' AND x.id = e.aggregate_id AND x.company_id = e.company_id)`,
  ),
  // each outbox event exactly once
  rows('events not published', 'SELECT 1 FROM outbox_events WHERE position IS NULL'),
  positions,
  streams,
];

/** Runs every check; returns the counts by name. */
export async function runChecks(ctx: CheckContext): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const check of CHECKS) {
    const n = await check.count(ctx);
    counts[check.name] = n;
    if (n !== 0) ctx.violate(`${check.name}: ${n}`);
  }
  return counts;
}
