// The frontend's reads (§3) over real HTTP and Postgres, validated against the contract: every state
// (complete, processing, not analyzed, failed), nulls never absent, ghost mode, tenant scoping.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { insertCallAnalysis, insertRecordingAnalysis } from '../../src/domain/analyses.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { CALL, SESSION, saveTranscript } from '../../src/domain/transcripts.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { buildAnalysis, buildSegmentation, buildTranscript } from '../helpers/canonical.ts';
import { contractValidator } from '../helpers/contracts.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, tenantToken } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let otto: Listening;
const contract = contractValidator();
const valid = (schema: string, body: unknown) =>
  expect(contract.validate('otto.openapi.yaml', `/components/schemas/${schema}`, body)).toEqual([]);

beforeAll(async () => {
  t = await createTestDatabase();
  otto = await listen(
    buildApp({
      config: loadConfig({ ...TEST_SECRETS }),
      db: t.db,
      logger: createLogger('silent'),
      workerCheck: async () => 'ok',
    }),
  );
});
afterAll(async () => {
  await otto.close();
  await t.drop();
});

async function get(path: string, company: CompanyRow | string | null) {
  const headers: Record<string, string> = {};
  if (company)
    headers.authorization = `Bearer ${await tenantToken(typeof company === 'string' ? company : company.id)}`;
  const res = await fetch(`${otto.url}${path}`, { headers });
  return { status: res.status, body: await res.json() };
}

async function call(company: CompanyRow, job?: { status: string; last_error?: unknown }) {
  const [lead] = await t
    .db('leads')
    .insert({
      company_id: company.id,
      customer_phone: `+1${Date.now()}${Math.random()}`,
      status: 'qualified_booked',
    })
    .returning('id');
  const [c] = await t
    .db('calls')
    .insert({
      company_id: company.id,
      callrail_call_id: randomUUID(),
      lead_id: lead.id,
      callrail_payload: {},
    })
    .returning(['id', 'shunya_call_id']);
  if (job)
    await t.db('shunya_jobs').insert({
      company_id: company.id,
      job_type: 'csr_call',
      call_id: c.id,
      job_status: job.status,
      input_payload: {},
      last_error: job.last_error ? JSON.stringify(job.last_error) : null,
    });
  return { id: c.id as string, leadId: lead.id as string };
}

describe('GET /api/v1/calls/{call_id}/analysis', () => {
  it('complete: transcript, analysis, lead and appointment', async () => {
    const company = await buildCompany(t.db);
    const c = await call(company, { status: 'succeeded' });
    await t.db.transaction(async (tx) => {
      await saveTranscript(tx, CALL, company.id, c.id, buildTranscript(), 'task-1');
      await insertCallAnalysis(tx, company.id, c.id, buildAnalysis(), 'job-1');
    });
    const [appt] = await t
      .db('appointments')
      .insert({ company_id: company.id, call_id: c.id, lead_id: c.leadId })
      .returning('id');
    const { status, body } = await get(`/api/v1/calls/${c.id}/analysis`, company);
    expect(status).toBe(200);
    valid('CallAnalysisView', body);
    expect(body).toMatchObject({
      call_id: c.id,
      status: 'complete',
      transcript: { available: true, word_count: 15, confidence_score: 0.95, message: null },
      summary: 'Customer called about roof repair. Appointment booked.',
      sentiment_score: 0, // 0 is a value
      sop_stages_completed: ['connect', 'agenda'],
      sop_stages_missed: ['close'],
      sop_compliance_score: 8.5,
      lead_quality: 'qualified',
      qualification: {
        qualification_status: 'hot',
        booking_status: 'booked',
        call_outcome_category: 'qualified_and_booked',
        lead_temperature: 'hot',
        bant_scores: { timeline: 0 },
      },
      lead: { id: c.leadId, status: 'qualified_booked' },
      appointment_id: appt.id,
      error: null,
    });
    expect(body.objections).toEqual([
      {
        objection_text: 'That seems expensive',
        category: 'Price/Budget',
        severity: 'high',
        overcome: false,
        timestamp: 45.5,
        confidence_score: 0.9,
      },
    ]);
    expect(body.transcript.speaker_labels).toHaveLength(2);
  });

  it('processing: every analysis field present and null', async () => {
    const company = await buildCompany(t.db);
    const c = await call(company, { status: 'running' });
    const { body } = await get(`/api/v1/calls/${c.id}/analysis`, company);
    valid('CallAnalysisView', body);
    expect(body).toMatchObject({
      status: 'processing',
      summary: null,
      objections: null,
      sentiment_score: null,
      qualification: null,
      appointment_id: null,
      error: null,
      analyzed_at: null,
    });
    expect(body.transcript).toEqual({
      available: false,
      text: null,
      speaker_labels: null,
      confidence_score: null,
      language: null,
      word_count: null,
      message: 'Transcript not available yet',
    });
    for (const key of ['sop_stages_completed', 'sop_stages_missed', 'sop_compliance_score', 'lead_quality'])
      expect(body).toHaveProperty(key, null);
  });

  it('failed: the error and "Transcript not available" (9.3)', async () => {
    const company = await buildCompany(t.db);
    const error = {
      error_code: 'TRANSCRIPTION_FAILED',
      error_type: 'server_error',
      message: 'ASR failed',
      retryable: false,
      http_status: null,
      shunya_request_id: null,
      at: null,
    };
    const c = await call(company, { status: 'failed', last_error: error });
    await t.db.transaction((tx) => saveTranscript(tx, CALL, company.id, c.id, null, null));
    const { body } = await get(`/api/v1/calls/${c.id}/analysis`, company);
    valid('CallAnalysisView', body);
    expect(body).toMatchObject({
      status: 'failed',
      // §5.2 (D79): Otto's mapping; Shunya's TRANSCRIPTION_FAILED and its message stay in the ops API
      error: {
        error_code: 'SHUNYA_API_ERROR',
        error_type: 'external_service_error',
        message: 'The call could not be analysed.',
        retryable: false,
        at: null,
      },
      transcript: { available: false, text: null, message: 'Transcript not available' },
    });
    expect(JSON.stringify(body)).not.toMatch(/TRANSCRIPTION_FAILED|ASR failed/);
  });

  it('not analyzed: a call without a job', async () => {
    const company = await buildCompany(t.db);
    const c = await call(company);
    const { body } = await get(`/api/v1/calls/${c.id}/analysis`, company);
    valid('CallAnalysisView', body);
    expect(body.status).toBe('not_analyzed');
  });

  it("answers 404 for another tenant's call, 400 for a malformed id, 401 without a token", async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const c = await call(a, { status: 'running' });
    expect((await get(`/api/v1/calls/${c.id}/analysis`, b)).status).toBe(404);
    expect((await get(`/api/v1/calls/${randomUUID()}/analysis`, a)).status).toBe(404);
    expect((await get('/api/v1/calls/not-a-uuid/analysis', a)).status).toBe(400);
    const anon = await get(`/api/v1/calls/${c.id}/analysis`, null);
    expect(anon.status).toBe(401);
    expect(anon.body.error.error_code).toBe('TOKEN_MISSING');
  });
});

describe('GET /api/v1/recording-sessions/{session_id}', () => {
  async function session(company: CompanyRow, ghost: boolean) {
    const [s] = await t
      .db('recording_sessions')
      .insert({ company_id: company.id, ghost_mode: ghost, audio_url: 'https://a.example.com/v.mp3' })
      .returning('*');
    await t.db('shunya_jobs').insert({
      company_id: company.id,
      job_type: 'sales_visit',
      recording_session_id: s.id,
      job_status: 'succeeded',
      input_payload: {},
    });
    await t.db.transaction(async (tx) => {
      if (!ghost) await saveTranscript(tx, SESSION, company.id, s.id, buildTranscript(), 'task-2');
      await insertRecordingAnalysis(
        tx,
        company.id,
        s.id,
        buildAnalysis(),
        buildSegmentation(),
        'won',
        'job-2',
      );
    });
    return s.id as string;
  }

  it('shows the transcript and the analysis with part1/part2 and outcome', async () => {
    const company = await buildCompany(t.db);
    const id = await session(company, false);
    const { status, body } = await get(`/api/v1/recording-sessions/${id}`, company);
    expect(status).toBe(200);
    valid('RecordingSessionView', body);
    expect(body).toMatchObject({
      session_id: id,
      status: 'complete',
      ghost_mode: false,
      transcript: { available: true },
    });
    expect(body.analysis).toMatchObject({
      outcome: 'won',
      sentiment_score: 0,
      sop_compliance_score: 8.5,
      transition_point: 900,
      part1: { end_time: 900 },
      part2: { start_time: 900 },
    });
  });

  it('shows no transcript in ghost mode', async () => {
    const company = await buildCompany(t.db);
    const id = await session(company, true);
    const { body } = await get(`/api/v1/recording-sessions/${id}`, company);
    valid('RecordingSessionView', body);
    expect(body.transcript).toBeNull();
    expect(body.analysis.outcome).toBe('won');
  });

  it("answers 404 for another tenant's session", async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const id = await session(a, false);
    expect((await get(`/api/v1/recording-sessions/${id}`, b)).status).toBe(404);
  });
});

describe('GET /api/v1/appointments/{appointment_id}', () => {
  it('shows the appointment and its outcome; 404 for another tenant', async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const [appt] = await t
      .db('appointments')
      .insert({
        company_id: a.id,
        scheduled_at: '2025-01-20T14:00:00Z',
        appointment_type: 'in-person',
        status: 'completed',
        outcome: 'won',
        outcome_updated_at: '2025-01-20T15:10:00Z',
      })
      .returning('id');
    const { status, body } = await get(`/api/v1/appointments/${appt.id}`, a);
    expect(status).toBe(200);
    valid('AppointmentView', body);
    expect(body).toMatchObject({
      appointment_id: appt.id,
      outcome: 'won',
      status: 'completed',
      scheduled_at: '2025-01-20T14:00:00.000Z',
      lead_id: null,
      call_id: null,
    });
    expect((await get(`/api/v1/appointments/${appt.id}`, b)).status).toBe(404);
  });
});
