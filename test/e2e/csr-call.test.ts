// A CSR call end to end (§3.1) over real HTTP against the simulator: CallRail trigger → transcription →
// analysis → domain updates and events, exactly once (counted in rows).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
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
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

describe('CSR call, end to end', () => {
  it('a booked call: transcript, analysis, lead qualified_booked, one appointment, tasks, signals, events', async () => {
    const company = await buildCompany(s.db);
    const callNo = await nextShunyaCallId(s.db);
    await s.admin('PUT', `/scenarios/${company.id}/${callNo}`, {
      qualification: 'qualified_booked',
      booking: 'booked',
      objections: ['Price/Budget'],
    });
    const res = await postCallRail(s.otto.url, company, callRailPayload(company));
    expect(res.status).toBe(202);
    const { call_id } = await res.json();
    const job = await terminalJob(s.db, { call_id });
    expect(job.job_status).toBe('succeeded');
    expect(job.stage).toBe('done');
    expect((await s.db('calls').where({ id: call_id }).first()).shunya_call_id).toBe(callNo);

    const transcript = await s.db('call_transcripts').where({ call_id }).first();
    expect(transcript.available).toBe(true);
    expect(transcript.transcript_text.length).toBeGreaterThan(50);
    expect(transcript.speaker_labels.length).toBeGreaterThan(2);
    const analysis = await s.db('call_analyses').where({ call_id }).first();
    expect(analysis.call_outcome_category).toBe('qualified_and_booked');
    expect(analysis.sop_compliance_score).toBeGreaterThanOrEqual(0);
    const call = await s.db('calls').where({ id: call_id }).first();
    expect((await s.db('leads').where({ id: call.lead_id }).first()).status).toBe('qualified_booked');
    const appointment = await s.db('appointments').where({ call_id }).first();
    expect(appointment).toMatchObject({ company_id: company.id, lead_id: call.lead_id });
    expect(appointment.scheduled_at).not.toBeNull();
    expect(await countRows(s.db, 'tasks', { call_id })).toBe(analysis.analysis.pending_actions.length);

    const events = await eventsOf(s.db, company.id);
    const types = events.map((e) => e.event_type).sort();
    expect(types).toEqual([
      'appointment.created',
      'call.analyzed',
      'call.transcribed',
      'lead.updated',
      'shunya.job.succeeded',
    ]);

    // the read the frontend makes
    const read = await fetch(`${s.otto.url}/api/v1/calls/${call_id}/analysis`, {
      headers: { authorization: `Bearer ${await tenantToken(company.id)}` },
    });
    const view = await read.json();
    expect(view).toMatchObject({
      status: 'complete',
      transcript: { available: true },
      lead_quality: 'qualified',
      appointment_id: appointment.id,
    });
    expect(view.objections.map((o: { category: string }) => o.category)).toContain('Price/Budget');
  });

  it('a call the simulator analyses as cold, with Shunya payload shape and webhook profile: lead nurturing', async () => {
    const company = await buildCompany(s.db);
    await s.admin('PUT', '/config', {
      tenants: { [company.id]: { payload_shape: 'shunya', webhook_profile: 'shunya' } },
    });
    const callNo = await nextShunyaCallId(s.db);
    await s.admin('PUT', `/scenarios/${company.id}/${callNo}`, {
      qualification: 'cold',
      booking: 'not_booked',
    });
    const { call_id } = await (await postCallRail(s.otto.url, company, callRailPayload(company))).json();
    const job = await terminalJob(s.db, { call_id });
    expect(job.job_status).toBe('succeeded');
    const analysis = await s.db('call_analyses').where({ call_id }).first();
    expect(analysis).toMatchObject({
      lead_temperature: 'cold',
      call_outcome_category: 'qualified_but_unbooked',
    });
    const call = await s.db('calls').where({ id: call_id }).first();
    expect((await s.db('leads').where({ id: call.lead_id }).first()).status).toBe('nurturing');
    expect(await countRows(s.db, 'appointments', { call_id })).toBe(0);
    const deliveries = await s.db('webhook_deliveries').where({ job_id: job.id });
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    expect(deliveries.every((d) => d.profile === 'shunya')).toBe(true);
  });
});
