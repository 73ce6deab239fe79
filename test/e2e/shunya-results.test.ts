// Issue 11, items 1, 2, 3 and 5, over HTTP against a real Otto, Postgres and simulator: results the
// simulator never produces are sent as Shunya's signed webhooks by the test (the simulator's clock stands
// still, so only these webhooks complete anything). Visit tasks come from visit_actions (D76); values
// outside Otto's vocabularies never throw a complete result away (D75); a repeat of an applied result is
// already_processed (D77); the frontend sees §5.2's mapping of a failure, operators Shunya's code (D79).
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { createLogger } from '../../src/logger.ts';
import { buildCompany, callRailPayload, postCallRail, tenantToken } from '../helpers/factories.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import { analysisResult, complete, sendWebhook, submittedOp } from '../helpers/shunya-webhook.ts';
import { countRows, type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

const ADMIN = TEST_ADMIN;
const lines: string[] = [];
let s: Stack;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  s = await startStack({ logger: createLogger('info', sink) });
  await s.admin('PUT', '/config', { time_scale: 0 }); // Shunya finishes nothing by itself here
});
afterAll(async () => {
  await s?.close();
});

interface Call {
  company: CompanyRow;
  callId: string;
  jobId: string;
  shunyaCallId: number;
}

async function callAtAnalysis(): Promise<Call> {
  const company = await buildCompany(s.db);
  const res = await postCallRail(s.otto.url, company, callRailPayload(company));
  expect(res.status).toBe(202);
  const { call_id: callId, job_id: jobId } = await res.json();
  const shunyaCallId = (await s.db('calls').where({ id: callId }).first()).shunya_call_id;
  await finishAtShunya(jobId, 'transcription');
  return { company, callId, jobId, shunyaCallId };
}

/** Lets Shunya finish the job's stage `kind` (its own webhook completes it in Otto); later ones wait. */
async function finishAtShunya(jobId: string, kind: string) {
  await submittedOp(s.db, jobId, kind);
  await s.admin('POST', '/time/advance', { seconds: 3600 });
  await waitFor(
    async () =>
      (await s.db('shunya_operations').where({ job_id: jobId, kind, status: 'completed' }).first()) ?? false,
    `the ${kind} result`,
  );
}

async function readCall(c: Call) {
  const res = await fetch(`${s.otto.url}/api/v1/calls/${c.callId}/analysis`, {
    headers: { authorization: `Bearer ${await tenantToken(c.company.id)}` },
  });
  expect(res.status).toBe(200);
  return res.json();
}

const metric = async (name: string, labels: Record<string, string>) => {
  const text = await (await fetch(`${s.otto.url}/metrics`, { headers: ADMIN })).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('item 1: tasks from a sales visit (D76)', () => {
  it('visit_actions and pending_actions, in both shapes and both places, become tasks once each', async () => {
    const company = await buildCompany(s.db);
    const sessionId = randomUUID();
    const up = await fetch(`${s.otto.url}/api/v1/recording-sessions/${sessionId}/upload-audio`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await tenantToken(company.id, { role: 'sales_rep' })}`,
      },
      body: JSON.stringify({ audio_url: `https://uploads.example.com/${sessionId}.m4a` }),
    });
    expect(up.status).toBe(202);
    const { job_id: jobId } = await up.json();
    const callNo = (await s.db('recording_sessions').where({ id: sessionId }).first()).shunya_call_id;
    await finishAtShunya(jobId, 'transcription');
    await finishAtShunya(jobId, 'segmentation');
    const analysisOp = await submittedOp(s.db, jobId, 'analysis');
    const result = analysisResult(callNo, {
      // the handoff's shape at the top level
      visit_actions: [
        { action: 'Send the signed contract', due_at: '2025-01-16T10:00:00Z', priority: 'high' },
        { action: 'Order the windows', due_at: '2025-01-20T10:00:00Z', priority: 'medium' },
      ],
      summary: {
        summary: 'Contract signed for six windows.',
        // Shunya's shape, nested; the first is the same action as above (merged, not doubled)
        visit_actions: [
          { type: 'send_contract', due_at: '2025-01-16T10:00:00Z', raw_text: 'Send the signed contract' },
          { type: 'measurement', due_at: '2025-01-17T09:00:00Z', raw_text: 'Measure the back windows' },
        ],
        pending_actions: [
          { type: 'setup_financing', due_at: '2025-01-18T09:00:00Z', contact_method: 'email' },
        ],
      },
    });
    expect((await complete(s.otto.url, analysisOp, result)).body).toEqual({ status: 'processed' });
    expect((await terminalJob(s.db, { recording_session_id: sessionId })).job_status).toBe('succeeded');
    const tasks = await s.db('tasks').where({ recording_session_id: sessionId }).orderBy('due_at');
    expect(tasks.map((t) => [t.title, t.action_type, t.source, t.assignee_role])).toEqual([
      ['Send the signed contract', 'send_contract', 'visit_action', 'sales_rep'],
      ['Measure the back windows', 'measurement', 'visit_action', 'sales_rep'],
      ['Setup financing', 'setup_financing', 'visit_action', 'sales_rep'],
      ['Order the windows', null, 'visit_action', 'sales_rep'],
    ]);
    // a redelivery changes nothing
    expect((await complete(s.otto.url, analysisOp, result)).body).toEqual({ status: 'already_processed' });
    expect(await countRows(s.db, 'tasks', { recording_session_id: sessionId })).toBe(4);
  });
});

describe('item 2: values outside the vocabularies (D75)', () => {
  it('a complete analysis with "qualified" + not_booked is stored and shown; the lead becomes qualified_unbooked', async () => {
    const c = await callAtAnalysis();
    const op = await submittedOp(s.db, c.jobId, 'analysis');
    const answer = await complete(
      s.otto.url,
      op,
      analysisResult(c.shunyaCallId, {
        qualification: { qualification_status: 'qualified', booking_status: 'not_booked' },
      }),
    );
    expect(answer.body).toEqual({ status: 'processed' });
    const job = await terminalJob(s.db, { call_id: c.callId });
    expect(job).toMatchObject({ job_status: 'succeeded', attempts: 1 });
    const view = await readCall(c);
    expect(view).toMatchObject({
      status: 'complete',
      transcript: { available: true },
      summary: 'The customer wants new windows.',
      objections: [{ objection_text: 'That is a lot' }],
      sop_compliance_score: 8,
      lead_quality: 'qualified',
      qualification: {
        qualification_status: 'qualified',
        booking_status: 'not_booked',
        call_outcome_category: 'qualified_but_unbooked',
      },
      lead: { status: 'qualified_unbooked' },
    });
  });

  it('an unknown status and unknown values: stored as received, the lead unchanged, logged with ids and counted by field', async () => {
    const before = await metric('otto_shunya_unmapped_values_total', {
      field: 'qualification.qualification_status',
    });
    const beforeSeverity = await metric('otto_shunya_unmapped_values_total', { field: 'objection.severity' });
    const c = await callAtAnalysis();
    const op = await submittedOp(s.db, c.jobId, 'analysis');
    const answer = await complete(
      s.otto.url,
      op,
      analysisResult(c.shunyaCallId, {
        qualification: { qualification_status: 'Lukewarm', booking_status: 'pencilled_in' },
        objections: {
          objections: [{ objection_text: 'Hmm', category_text: 'Weather', severity: 'critical' }],
        },
      }),
    );
    expect(answer.body).toEqual({ status: 'processed' });
    expect((await terminalJob(s.db, { call_id: c.callId })).job_status).toBe('succeeded');
    const view = await readCall(c);
    expect(view).toMatchObject({
      status: 'complete',
      lead_quality: null,
      qualification: { qualification_status: 'Lukewarm', booking_status: null, call_outcome_category: null },
      objections: [{ objection_text: 'Hmm', category: 'Weather', severity: null }],
      lead: { status: 'new' },
    });
    const stored = await s.db('call_analyses').where({ call_id: c.callId }).first();
    expect(stored.analysis.unmapped_values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'qualification.qualification_status', value: 'Lukewarm' }),
        expect.objectContaining({ field: 'qualification.booking_status', value: 'pencilled_in' }),
        expect.objectContaining({ field: 'objection.category', value: 'Weather' }),
        expect.objectContaining({ field: 'objection.severity', value: 'critical' }),
      ]),
    );
    expect(await countRows(s.db, 'appointments', { call_id: c.callId })).toBe(0);
    const logged = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.job_id === c.jobId && l.field === 'qualification.qualification_status');
    expect(logged).toHaveLength(1);
    const { request_id } = await s.db('shunya_operations').where({ id: op.id }).first('request_id');
    expect(logged[0]).toMatchObject({ request_id, value: 'Lukewarm' });
    expect(
      await metric('otto_shunya_unmapped_values_total', { field: 'qualification.qualification_status' }),
    ).toBe(before + 1);
    expect(await metric('otto_shunya_unmapped_values_total', { field: 'objection.severity' })).toBe(
      beforeSeverity + 1,
    );
  });
});

describe('item 3: already_processed (D77)', () => {
  it('a repeated completed webhook without a result, for an applied result, answers already_processed', async () => {
    const c = await callAtAnalysis();
    const transcription = await s
      .db('shunya_operations')
      .where({ job_id: c.jobId, kind: 'transcription' })
      .first();
    const bare = {
      shunya_job_id: transcription.shunya_job_id,
      status: 'completed',
      company_id: c.company.id,
    };
    expect(await sendWebhook(s.otto.url, bare)).toEqual({
      status: 200,
      body: { status: 'already_processed' },
    });
    // and for the last stage, after the job succeeded
    const op = await submittedOp(s.db, c.jobId, 'analysis');
    // not applied yet: a notification without its result is acknowledged (Otto fetches the result)
    expect(
      await sendWebhook(s.otto.url, {
        shunya_job_id: op.shunya_job_id,
        status: 'completed',
        company_id: c.company.id,
      }),
    ).toEqual({ status: 200, body: { status: 'acknowledged' } });
    await complete(s.otto.url, op, analysisResult(c.shunyaCallId));
    await terminalJob(s.db, { call_id: c.callId });
    expect(
      await sendWebhook(s.otto.url, {
        shunya_job_id: op.shunya_job_id,
        status: 'completed',
        company_id: c.company.id,
      }),
    ).toEqual({ status: 200, body: { status: 'already_processed' } });
    const verdicts = (await s.db('webhook_deliveries').where({ job_id: c.jobId }).orderBy('received_at')).map(
      (d) => d.verdict,
    );
    expect(verdicts.slice(-4)).toEqual([
      'already_processed',
      'acknowledged',
      'processed',
      'already_processed',
    ]);
  });
});

describe('item 5: the read view maps failures as §5.2 says (D79)', () => {
  it("a failed call's read shows SHUNYA_API_ERROR / external_service_error; the ops API keeps Shunya's code", async () => {
    const company = await buildCompany(s.db);
    const res = await postCallRail(s.otto.url, company, callRailPayload(company));
    const { call_id: callId, job_id: jobId } = await res.json();
    const op = await submittedOp(s.db, jobId, 'transcription');
    const answer = await sendWebhook(s.otto.url, {
      shunya_job_id: op.shunya_job_id,
      status: 'failed',
      company_id: company.id,
      error: {
        error_code: 'TOKEN_INVALID',
        error_type: 'authentication_error',
        message: 'JWT signature verification failed for company_id',
        retryable: false,
        request_id: 'req_shunya_1',
      },
    });
    expect(answer.body).toEqual({ status: 'processed' });
    expect((await terminalJob(s.db, { call_id: callId })).job_status).toBe('failed');
    const view = await readCall({ company, callId, jobId, shunyaCallId: 0 });
    expect(view.status).toBe('failed');
    expect(view.error).toEqual({
      error_code: 'SHUNYA_API_ERROR',
      error_type: 'external_service_error',
      message: expect.any(String),
      retryable: false,
      at: expect.any(String),
    });
    const text = JSON.stringify(view);
    for (const raw of ['TOKEN_INVALID', 'authentication_error', 'JWT signature', 'req_shunya_1'])
      expect(text).not.toContain(raw);
    const detail = await (await fetch(`${s.otto.url}/api/v1/ops/jobs/${jobId}`, { headers: ADMIN })).json();
    expect(detail.last_error).toMatchObject({
      error_code: 'TOKEN_INVALID',
      error_type: 'authentication_error',
      shunya_request_id: 'req_shunya_1',
    });
  });
});
