// Personal data and transcripts at rest (issue 11 item 8; §3.2 ghost mode, §10; D85–D88). A normal CSR
// call and two ghost-mode sales visits (one per webhook profile and payload shape) run end to end; then
// EVERY column of EVERY table (all schemas, graphile-worker's included; bytea decoded) and every log line
// Otto wrote (at trace level) are searched for:
// - each sentence of the ghost visits' transcripts: it must be nowhere;
// - the customers' names and phone numbers as CallRail sent them: only on the lead and the call (D86);
// - the names, phone numbers and e-mail addresses Shunya extracted: only in the transcript and analysis
//   rows §10.1 lists and the follow-ups derived from them (tasks, key signals), never in the webhook
//   inbox, the job's payloads, operations, the outbox or the log.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { createLogger } from '../../src/logger.ts';
import { normalizeCompleteAnalysis, normalizeTranscript } from '../../src/shunya/normalize/index.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { type Stack, startStack, terminalJob } from '../helpers/stack.ts';

const log: string[] = [];
let s: Stack;
let handoff: CompanyRow;
let shunya: CompanyRow;
const csr = {
  phone: `+1217${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
  name: 'Marisol Quenneville',
};
const visitLeads: { phone: string; name: string }[] = [];
let callId = '';
const ghostSessions: { company: CompanyRow; sessionId: string }[] = [];

async function ghostVisit(company: CompanyRow, lead: { phone: string; name: string }) {
  const [l] = await s
    .db('leads')
    .insert({ company_id: company.id, customer_phone: lead.phone, customer_name: lead.name })
    .returning('id');
  const [appt] = await s
    .db('appointments')
    .insert({ company_id: company.id, lead_id: l.id, scheduled_at: new Date() })
    .returning('id');
  const sessionId = randomUUID();
  const res = await fetch(`${s.otto.url}/api/v1/recording-sessions/${sessionId}/upload-audio`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await tenantToken(company.id, { role: 'sales_rep' })}`,
    },
    body: JSON.stringify({
      audio_url: `https://uploads.example.com/${sessionId}.m4a`,
      duration_seconds: 1800,
      appointment_id: appt.id,
      ghost_mode: true,
    }),
  });
  expect(res.status).toBe(202);
  ghostSessions.push({ company, sessionId });
  return sessionId;
}

beforeAll(async () => {
  s = await startStack({
    // one tenant uses Shunya's own payload shape and webhook profile: the tolerant reading (D45)
    reading: 'tolerant',
    logger: createLogger('trace', { write: (line: string) => void log.push(line) }),
  });
  handoff = await buildCompany(s.db);
  shunya = await buildCompany(s.db);
  await s.admin('PUT', '/config', {
    tenants: { [shunya.id]: { webhook_profile: 'shunya', payload_shape: 'shunya' } },
  });
  const accepted = await postCallRail(
    s.otto.url,
    handoff,
    callRailPayload(handoff, { customer_phone_number: csr.phone, customer_name: csr.name }),
  );
  expect(accepted.status).toBe(202);
  callId = (await accepted.json()).call_id;
  for (const [i, company] of [handoff, shunya].entries()) {
    const lead = { phone: `+1312555${String(1000 + i)}`, name: `Ottoline Visitor${i}` };
    visitLeads.push(lead);
    await ghostVisit(company, lead);
  }
  expect((await terminalJob(s.db, { call_id: callId })).job_status).toBe('succeeded');
  for (const g of ghostSessions)
    expect((await terminalJob(s.db, { recording_session_id: g.sessionId })).job_status).toBe('succeeded');
}, 120_000);
afterAll(async () => {
  await s?.close();
});

/** Every column of every table, as text (bytea decoded), in every schema but Postgres's own. */
async function everyCell(): Promise<{ where: string; text: string }[]> {
  const cols = (
    await s.db.raw(
      `SELECT table_schema AS schema, table_name AS tbl, column_name AS col, data_type AS type
       FROM information_schema.columns c
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
         AND EXISTS (SELECT 1 FROM information_schema.tables t WHERE t.table_schema = c.table_schema
                     AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE')`,
    )
  ).rows as { schema: string; tbl: string; col: string; type: string }[];
  expect(cols.some((c) => c.schema === 'graphile_worker')).toBe(true);
  const out: { where: string; text: string }[] = [];
  for (const c of cols) {
    const ref = `"${c.schema}"."${c.tbl}"`;
    const expr = c.type === 'bytea' ? `encode("${c.col}", 'escape')` : `"${c.col}"::text`;
    const rows = (await s.db.raw(`SELECT ${expr} AS v FROM ${ref} WHERE "${c.col}" IS NOT NULL`)).rows;
    for (const r of rows) out.push({ where: `${c.schema}.${c.tbl}.${c.col}`, text: r.v as string });
  }
  return out;
}

/** Where `needle` occurs (also JSON-escaped), as schema.table.column, and whether the log has it. */
function findIn(cells: { where: string; text: string }[], needle: string) {
  const forms = [needle, JSON.stringify(needle).slice(1, -1)];
  const has = (t: string) => forms.some((f) => t.includes(f));
  return {
    places: [...new Set(cells.filter((c) => has(c.text)).map((c) => c.where))].sort(),
    logged: log.some(has),
  };
}

async function shunyaView(company: CompanyRow, shunyaCallId: number) {
  const opts = () => ({ requestId: randomUUID() });
  const client = s.otto.pipeline.client;
  const t = normalizeTranscript(await client.getTranscript(company.id, shunyaCallId, opts()));
  const a = normalizeCompleteAnalysis(await client.getCompleteAnalysis(company.id, shunyaCallId, opts()));
  if (!t.ok || !a.ok) throw new Error('the simulator answered an incomplete result');
  return { transcript: t.value, analysis: a.value };
}

/** Where the personal data Shunya extracted may be stored (D86), by the visit's or call's rows. */
const ANALYSIS_ROWS = [
  'public.call_analyses.',
  'public.call_transcripts.',
  'public.recording_analyses.',
  'public.tasks.title',
  'public.key_signals.',
  'public.property_intelligence_requests.address',
];
const allowedForAnalysis = (where: string) => ANALYSIS_ROWS.some((p) => where.startsWith(p));

describe('ghost mode and personal data at rest', () => {
  it('stores no sentence of a ghost visit’s transcript anywhere, in any table or the log', async () => {
    const cells = await everyCell();
    // a sentence the normal call's customer also said lives, rightly, in that call's transcript
    const call = await s.db('calls').where({ id: callId }).first();
    const csrText = (await shunyaView(handoff, Number(call.shunya_call_id))).transcript.transcript_text;
    let searched = 0;
    for (const g of ghostSessions) {
      const session = await s.db('recording_sessions').where({ id: g.sessionId }).first();
      const { transcript } = await shunyaView(g.company, Number(session.shunya_call_id));
      expect(transcript.speaker_labels.length).toBeGreaterThan(5);
      const sentences = [transcript.transcript_text, ...transcript.speaker_labels.map((l) => l.text)].filter(
        (t) => t.length >= 30 && !csrText.includes(t),
      );
      for (const sentence of sentences) {
        searched++;
        expect(findIn(cells, sentence), sentence.slice(0, 100)).toEqual({ places: [], logged: false });
      }
    }
    expect(searched).toBeGreaterThan(20);
    expect(log.length, 'the log was captured').toBeGreaterThan(50);
  });

  it('keeps the name and phone number CallRail sent only on the lead and the call', async () => {
    const cells = await everyCell();
    for (const needle of [csr.phone, csr.name])
      expect(findIn(cells, needle), needle).toEqual({
        places: [
          'public.calls.customer_name',
          'public.calls.customer_phone',
          'public.leads.customer_name',
          'public.leads.customer_phone',
        ].filter((p) => p.endsWith(needle === csr.phone ? 'phone' : 'name')),
        logged: false,
      });
    for (const lead of visitLeads) {
      expect(findIn(cells, lead.phone)).toEqual({ places: ['public.leads.customer_phone'], logged: false });
      expect(findIn(cells, lead.name)).toEqual({ places: ['public.leads.customer_name'], logged: false });
    }
  });

  it('keeps the name, phone and e-mail Shunya extracted only in the analysis, its transcript and follow-ups; a ghost visit’s nowhere', async () => {
    const cells = await everyCell();
    const call = await s.db('calls').where({ id: callId }).first();
    const views = [
      { company: handoff, shunyaCallId: Number(call.shunya_call_id), ghost: false },
      ...(await Promise.all(
        ghostSessions.map(async (g) => ({
          company: g.company,
          shunyaCallId: Number(
            (
              await s.db('recording_sessions').where({ id: g.sessionId }).first()
            ).shunya_call_id,
          ),
          ghost: true,
        })),
      )),
    ];
    for (const v of views) {
      const { analysis } = await shunyaView(v.company, v.shunyaCallId);
      // the customer's full name: as extracted, else as the first decision maker
      const name = analysis.entities.name ?? analysis.qualification.decision_makers[0];
      expect(name).toBeTruthy();
      for (const needle of [name, analysis.entities.phone, analysis.entities.email]) {
        if (!needle) continue;
        const found = findIn(cells, needle);
        expect(found.logged, `${needle} in the log`).toBe(false);
        if (v.ghost) expect(found.places, needle).toEqual([]);
        else {
          expect(
            found.places.filter((p) => !allowedForAnalysis(p)),
            needle,
          ).toEqual([]);
          expect(found.places.length, `${needle} is in the call's analysis`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('shows a ghost visit’s structured analysis, with the text it did not keep marked as such', async () => {
    const g = ghostSessions[0] as { company: CompanyRow; sessionId: string };
    const view = await (
      await fetch(`${s.otto.url}/api/v1/recording-sessions/${g.sessionId}`, {
        headers: { authorization: `Bearer ${await tenantToken(g.company.id)}` },
      })
    ).json();
    expect(view).toMatchObject({ ghost_mode: true, transcript: null, status: 'complete' });
    expect(view.analysis.summary).toBe('Not stored: ghost mode');
    expect(view.analysis.part1).toMatchObject({ content: null, key_points: [] });
    expect(typeof view.analysis.sentiment_score).toBe('number');
    for (const o of view.analysis.objections) expect(o.objection_text).toBe(o.category ?? 'Objection');
  });
});
