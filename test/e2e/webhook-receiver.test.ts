// POST /api/v1/shunya/webhook (§8) with deliveries crafted and signed here, independently of the
// simulator: every 401/400/404/403 case, the uppercase signature, replays outside ±5 minutes, secret
// rotation, Shunya's own profile, a processing notice, and idempotent application. Every delivery is in
// the inbox with its verdict.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { countRows, type Stack, startStack, waitFor } from '../helpers/stack.ts';

const SECRET = TEST_SECRETS.UWC_HMAC_SECRET;
const PREVIOUS = 'the-previous-hmac-secret-0001';
let s: Stack;
let op: { id: string; shunya_job_id: string; company_id: string; job_id: string };
let callNo: number;
let otherCompanyId: string;

/** Python's json.dumps(sort_keys=True) for the simple values used here. */
function pyJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${pyJson((v as Record<string, unknown>)[k])}`).join(', ')}}`;
}

function post(body: string, headers: Record<string, string>) {
  return fetch(`${s.otto.url}/api/v1/shunya/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

function signed(
  payload: unknown,
  opts: { ts?: number; secret?: string; upper?: boolean; raw?: string } = {},
) {
  const raw = opts.raw ?? JSON.stringify(payload);
  const ts = String(opts.ts ?? Date.now());
  let sig = createHmac('sha256', opts.secret ?? SECRET)
    .update(`${ts}.${raw}`)
    .digest('hex');
  if (opts.upper) sig = sig.toUpperCase();
  return post(raw, {
    'x-shunya-signature': sig,
    'x-shunya-timestamp': ts,
    'x-shunya-task-id': op.shunya_job_id,
  });
}

const transcript = () => ({
  call_id: callNo,
  transcript_text: 'Hi, this is Sam from Acme HVAC. My furnace stopped working last night.',
  speaker_labels: [
    { speaker: 'rep', text: 'Hi, this is Sam from Acme HVAC.', start_time: 0, end_time: 2.1 },
    { speaker: 'customer', text: 'My furnace stopped working last night.', start_time: 2.1, end_time: 4.4 },
  ],
  confidence_score: 0.93,
});

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body).toMatchObject({ success: false, error: { error_code: code, retryable: false } });
}

beforeAll(async () => {
  s = await startStack({
    // bad signatures on purpose (D130)
    env: { UWC_HMAC_SECRET_PREVIOUS: PREVIOUS, AUTH_FAILURE_LIMIT: '1000000000' },
  });
  await s.admin('PUT', '/config', { time_scale: 0 }); // Shunya never finishes on its own here
  const company = await buildCompany(s.db);
  otherCompanyId = (await buildCompany(s.db)).id;
  const res = await postCallRail(s.otto.url, company, callRailPayload(company));
  const { call_id } = await res.json();
  callNo = (await s.db('calls').where({ id: call_id }).first()).shunya_call_id;
  op = await waitFor(
    async () => s.db('shunya_operations').where({ company_id: company.id, status: 'submitted' }).first(),
    'the transcription submission',
  );
});
afterAll(async () => {
  await s?.close();
});

describe('the Shunya webhook receiver', () => {
  it('401: missing headers, a bad signature, an uppercase signature, a stale or future or malformed timestamp', async () => {
    const payload = {
      shunya_job_id: op.shunya_job_id,
      status: 'completed',
      company_id: op.company_id,
      result: transcript(),
    };
    await expectError(await post(JSON.stringify(payload), {}), 401, 'MISSING_HEADERS');
    await expectError(
      await post(JSON.stringify(payload), { 'x-shunya-timestamp': String(Date.now()) }),
      401,
      'MISSING_HEADERS',
    );
    await expectError(
      await signed(payload, { secret: 'not-the-secret-at-all-123' }),
      401,
      'INVALID_SIGNATURE',
    );
    await expectError(await signed(payload, { upper: true }), 401, 'INVALID_SIGNATURE');
    await expectError(await signed(payload, { ts: Date.now() - 301_000 }), 401, 'STALE_TIMESTAMP');
    await expectError(await signed(payload, { ts: Date.now() + 301_000 }), 401, 'STALE_TIMESTAMP');
    const raw = JSON.stringify(payload);
    const sig = createHmac('sha256', SECRET).update(`abc.${raw}`).digest('hex');
    await expectError(
      await post(raw, { 'x-shunya-signature': sig, 'x-shunya-timestamp': 'abc' }),
      401,
      'MALFORMED_TIMESTAMP',
    );
    // a signature over a re-serialised body does not match the bytes sent
    const resent = JSON.stringify(payload, null, 1);
    await expectError(
      await post(resent, {
        'x-shunya-signature': createHmac('sha256', SECRET).update(`${Date.now()}.${raw}`).digest('hex'),
        'x-shunya-timestamp': String(Date.now()),
      }),
      401,
      'INVALID_SIGNATURE',
    );
    expect(await countRows(s.db, 'call_transcripts')).toBe(0);
  });

  it('400: invalid JSON or no company_id (correctly signed)', async () => {
    await expectError(await signed(null, { raw: '{"shunya_job_id": ' }), 400, 'INVALID_JSON');
    await expectError(
      await signed({ shunya_job_id: op.shunya_job_id, status: 'completed', result: transcript() }),
      400,
      'MISSING_COMPANY_ID',
    );
  });

  it('404: an unknown job; 403: a company that does not own the job', async () => {
    const unknown = {
      shunya_job_id: 'no-such-job',
      status: 'completed',
      company_id: op.company_id,
      result: transcript(),
    };
    const raw = JSON.stringify(unknown);
    const ts = String(Date.now());
    const res = await post(raw, {
      'x-shunya-signature': createHmac('sha256', SECRET).update(`${ts}.${raw}`).digest('hex'),
      'x-shunya-timestamp': ts,
    });
    await expectError(res, 404, 'JOB_NOT_FOUND');
    await expectError(
      await signed({
        shunya_job_id: op.shunya_job_id,
        status: 'completed',
        company_id: otherCompanyId,
        result: transcript(),
      }),
      403,
      'COMPANY_MISMATCH',
    );
    expect(await countRows(s.db, 'call_transcripts')).toBe(0);
  });

  it('200 acknowledged for a processing notice, which changes nothing', async () => {
    const res = await signed({
      shunya_job_id: op.shunya_job_id,
      status: 'processing',
      company_id: op.company_id,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'acknowledged' });
    expect((await s.db('shunya_operations').where({ id: op.id }).first()).status).toBe('submitted');
  });

  it('applies a result signed with the previous secret (rotation) once; a repeat is already_processed', async () => {
    const payload = {
      shunya_job_id: op.shunya_job_id,
      status: 'completed',
      company_id: op.company_id,
      result: transcript(),
    };
    const first = await signed(payload, { secret: PREVIOUS });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: 'processed' });
    const again = await signed(payload);
    expect(await again.json()).toEqual({ status: 'already_processed' });
    expect(await countRows(s.db, 'call_transcripts')).toBe(1);
    expect((await s.db('call_transcripts').first()).transcript_text).toBe(transcript().transcript_text);
    expect((await s.db('shunya_jobs').where({ id: op.job_id }).first()).stage).toBe('analysis');
  });

  it("accepts Shunya's own profile (event_type/data, signed over sorted-key JSON with a colon)", async () => {
    // Shunya refuses analysis (409 TRANSCRIPT_NOT_READY, retried by the job) until its own transcription is done
    await s.admin('POST', '/time/advance', { seconds: 3600 });
    const analysisOp = await waitFor(
      async () =>
        s.db('shunya_operations').where({ job_id: op.job_id, kind: 'analysis', status: 'submitted' }).first(),
      'the analysis submission',
    );
    const payload = {
      event_type: 'call.analysis.complete',
      task_id: analysisOp.shunya_job_id,
      call_id: callNo,
      company_id: op.company_id,
      timestamp: new Date().toISOString(),
      status: 'completed',
      data: {
        summary: {
          summary: 'Furnace out; tech booked for tomorrow.',
          pending_actions: [
            {
              type: 'confirm_appointment',
              due_at: '2025-12-09T10:00:00Z',
              contact_method: 'sms',
              confidence: 0.9,
              raw_text: 'Confirm tomorrow',
            },
          ],
          sentiment_score: 0.6,
        },
        objections: { objections: [], total_count: 0 },
        qualification: {
          qualification_status: 'warm',
          booking_status: 'booked',
          appointment_date: '2025-12-09T10:00:00Z',
          appointment_type: 'in-person',
        },
        compliance: { compliance_score: 0.8, stages_followed: ['Greeting'], stages_missed: [] },
      },
    };
    const ts = String(Date.now());
    const raw = JSON.stringify(payload);
    const sig = createHmac('sha256', SECRET)
      .update(`${ts}:${pyJson(payload)}`)
      .digest('hex');
    const res = await post(raw, { 'x-shunya-signature': sig, 'x-shunya-timestamp': ts });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'processed' });
    const job = await s.db('shunya_jobs').where({ id: op.job_id }).first();
    expect(job.job_status).toBe('succeeded');
    const analysis = await s.db('call_analyses').first();
    expect(analysis).toMatchObject({
      lead_temperature: 'warm',
      call_outcome_category: 'qualified_and_booked',
      sop_compliance_score: 8,
    });
    expect(await countRows(s.db, 'appointments')).toBe(1);
    expect(await countRows(s.db, 'tasks')).toBe(1);
  });

  it('keeps every delivery in the inbox with its verdict', async () => {
    const verdicts = (await s.db('webhook_deliveries').orderBy('received_at')).map((d) => d.verdict);
    for (const v of [
      'missing_headers',
      'bad_signature',
      'stale_timestamp',
      'invalid_json',
      'missing_company_id',
      'unknown_job',
      'company_mismatch',
      'acknowledged',
      'processed',
      'already_processed',
    ])
      expect(verdicts).toContain(v);
    const unattributed = await s.db('webhook_deliveries').where({ verdict: 'bad_signature' });
    expect(unattributed.every((d) => d.company_id === null && d.job_id === null)).toBe(true);
  });
});
