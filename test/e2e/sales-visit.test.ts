// A sales visit end to end (§3.2): upload → transcription → meeting segmentation (asynchronous, or
// synchronous as Shunya's own document has it) → complete analysis → RecordingAnalysis, appointment
// outcome, lead status, tasks from visit actions; ghost mode stores no transcript.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { buildCompany, tenantToken } from '../helpers/factories.ts';
import {
  countRows,
  eventsOf,
  nextShunyaCallId,
  type Stack,
  startStack,
  terminalJob,
} from '../helpers/stack.ts';

let s: Stack;
beforeAll(async () => {
  // Synchronous segmentation (one test below) is the tolerant reading; test/e2e/contract-proof.test.ts
  // holds the default flow to the strict contract.
  s = await startStack({ reading: 'tolerant' });
});
afterAll(async () => {
  await s?.close();
});

async function bookedAppointment(company: CompanyRow) {
  const [lead] = await s
    .db('leads')
    .insert({
      company_id: company.id,
      customer_phone: `+1${Math.floor(Math.random() * 1e10)}`,
      status: 'qualified_booked',
    })
    .returning('id');
  const [appt] = await s
    .db('appointments')
    .insert({ company_id: company.id, lead_id: lead.id, scheduled_at: new Date() })
    .returning('id');
  return { leadId: lead.id as string, appointmentId: appt.id as string };
}

async function upload(company: CompanyRow, body: Record<string, unknown>) {
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
      ...body,
    }),
  });
  expect(res.status).toBe(202);
  return sessionId;
}

describe('sales visit, end to end', () => {
  it('won (asynchronous segmentation): analysis with part1/part2, appointment won, lead closed_won, tasks', async () => {
    const company = await buildCompany(s.db);
    const { leadId, appointmentId } = await bookedAppointment(company);
    await s.admin('PUT', `/scenarios/${company.id}/${await nextShunyaCallId(s.db)}`, { outcome: 'won' });
    const sessionId = await upload(company, { appointment_id: appointmentId });
    const job = await terminalJob(s.db, { recording_session_id: sessionId });
    expect(job.job_status).toBe('succeeded');
    const ops = await s.db('shunya_operations').where({ job_id: job.id }).orderBy('created_at');
    expect(ops.map((o) => [o.kind, o.status])).toEqual([
      ['transcription', 'completed'],
      ['segmentation', 'completed'],
      ['analysis', 'completed'],
    ]);
    const analysis = await s.db('recording_analyses').where({ recording_session_id: sessionId }).first();
    expect(analysis.outcome).toBe('won');
    expect(analysis.segmentation.part1.end_time).toBe(analysis.segmentation.part2.start_time);
    expect(await countRows(s.db, 'recording_transcripts', { recording_session_id: sessionId })).toBe(1);
    expect((await s.db('appointments').where({ id: appointmentId }).first()).outcome).toBe('won');
    expect((await s.db('leads').where({ id: leadId }).first()).status).toBe('closed_won');
    // a visit's follow-ups come as visit_actions (§3.2 step 3.4, D76): one task each
    expect(analysis.analysis.visit_actions.length).toBeGreaterThan(0);
    expect(await countRows(s.db, 'tasks', { recording_session_id: sessionId })).toBe(
      analysis.analysis.pending_actions.length + analysis.analysis.visit_actions.length,
    );
    const types = (await eventsOf(s.db, company.id)).map((e) => e.event_type).sort();
    expect(types).toEqual([
      'appointment.outcome_updated',
      'lead.updated',
      'recording_session.analyzed',
      'shunya.job.succeeded',
    ]);

    const view = await (
      await fetch(`${s.otto.url}/api/v1/recording-sessions/${sessionId}`, {
        headers: { authorization: `Bearer ${await tenantToken(company.id)}` },
      })
    ).json();
    expect(view).toMatchObject({
      status: 'complete',
      transcript: { available: true },
      analysis: { outcome: 'won' },
    });
    expect(view.analysis.part1).not.toBeNull();
    const appt = await (
      await fetch(`${s.otto.url}/api/v1/appointments/${appointmentId}`, {
        headers: { authorization: `Bearer ${await tenantToken(company.id)}` },
      })
    ).json();
    expect(appt).toMatchObject({ outcome: 'won', status: 'completed' });
  });

  it('lost, ghost mode, synchronous segmentation: no transcript stored, lead closed_lost', async () => {
    const company = await buildCompany(s.db);
    await s.admin('PUT', '/config', { tenants: { [company.id]: { segmentation_mode: 'sync' } } });
    const { leadId, appointmentId } = await bookedAppointment(company);
    await s.admin('PUT', `/scenarios/${company.id}/${await nextShunyaCallId(s.db)}`, { outcome: 'lost' });
    const sessionId = await upload(company, { appointment_id: appointmentId, ghost_mode: true });
    const job = await terminalJob(s.db, { recording_session_id: sessionId });
    expect(job.job_status).toBe('succeeded');
    // Answered synchronously; Shunya still sends its webhook (D25), which may adopt the operation first:
    // either way the segmentation is one operation, completed once.
    const segs = await s.db('shunya_operations').where({ job_id: job.id, kind: 'segmentation' });
    expect(segs.map((o) => o.status)).toEqual(['completed']);
    expect(await countRows(s.db, 'recording_transcripts', { recording_session_id: sessionId })).toBe(0);
    expect(JSON.stringify(job.output_payload)).not.toMatch(/transcript_text/);
    expect(
      (await s.db('recording_analyses').where({ recording_session_id: sessionId }).first()).outcome,
    ).toBe('lost');
    expect((await s.db('leads').where({ id: leadId }).first()).status).toBe('closed_lost');
    const view = await (
      await fetch(`${s.otto.url}/api/v1/recording-sessions/${sessionId}`, {
        headers: { authorization: `Bearer ${await tenantToken(company.id)}` },
      })
    ).json();
    expect(view.transcript).toBeNull();
    expect(view.ghost_mode).toBe(true);
  });

  it('a pending outcome leaves the lead alone', async () => {
    const company = await buildCompany(s.db);
    const { leadId, appointmentId } = await bookedAppointment(company);
    await s.admin('PUT', `/scenarios/${company.id}/${await nextShunyaCallId(s.db)}`, { outcome: 'pending' });
    const sessionId = await upload(company, { appointment_id: appointmentId });
    expect((await terminalJob(s.db, { recording_session_id: sessionId })).job_status).toBe('succeeded');
    expect((await s.db('appointments').where({ id: appointmentId }).first()).outcome).toBe('pending');
    expect((await s.db('leads').where({ id: leadId }).first()).status).toBe('qualified_booked');
  });
});
