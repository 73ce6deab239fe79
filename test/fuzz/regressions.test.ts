// What the fuzz suite found, as plain examples that failed before their fix (over real HTTP and
// Postgres). The fast-check counterexamples themselves are replayed first by each fuzz property
// (counterexamples.ts).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zErrorEnvelope } from '../../generated/otto/zod.gen.ts';
import { loadConfig } from '../../src/config.ts';
import type { CompanyRow } from '../../src/domain/companies.ts';
import { buildApp } from '../../src/http/app.ts';
import { acceptCallRailCall } from '../../src/intake/triggers.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import { ensureOperation } from '../../src/jobs/transitions/index.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { normalizeError, normalizeWebhook } from '../../src/shunya/normalize/index.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, callRailSignature } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';

const SECRET = 'regression-hmac-secret-000001';
let t: TestDatabase;
let otto: Listening;
let company: CompanyRow;
let config: ReturnType<typeof loadConfig>;

beforeAll(async () => {
  t = await createTestDatabase();
  config = loadConfig({
    UWC_HMAC_SECRET: SECRET,
    UWC_BASE_URL: 'http://127.0.0.1:9',
    AUTH_FAILURE_LIMIT: '1000000000', // bad signatures on purpose (D130)
  });
  const logger = createLogger('silent');
  const pipeline: PipelineDeps = {
    db: t.db,
    config,
    logger,
    client: shunyaClientFromConfig(config),
    normalize: shunyaNormalizers,
    clock: systemClock,
  };
  otto = await listen(buildApp({ config, db: t.db, logger, workerCheck: async () => 'disabled', pipeline }));
  company = await buildCompany(t.db);
});
afterAll(async () => {
  await otto.close();
  await t.drop();
});

/** A CSR call whose transcription (or analysis) Shunya has accepted: its operation is `submitted` with this id. */
async function submittedTranscription(
  shunyaJobId: string,
  kind: 'transcription' | 'analysis' = 'transcription',
) {
  const accepted = await acceptCallRailCall(
    t.db,
    company,
    {
      callrailCallId: `CAL${shunyaJobId}`,
      recordingUrl: 'https://recordings.example.com/a.mp3',
      customerPhone: null,
      customerName: null,
      durationSeconds: 60,
      direction: 'inbound',
      answered: true,
      startedAt: null,
      payload: {},
    },
    { config, clock: systemClock },
  );
  if (kind === 'analysis')
    await t.db('shunya_jobs').where({ id: accepted.job_id }).update({ stage: 'analysis' });
  const job = await t.db('shunya_jobs').where({ id: accepted.job_id }).first();
  const op = await ensureOperation(t.db, job, kind);
  await t
    .db('shunya_operations')
    .where({ id: op.id })
    .update({ status: 'submitted', shunya_job_id: shunyaJobId });
  return { job, op };
}

/** Rows of the tables a completion writes. */
const domainRows = async () =>
  Object.fromEntries(
    await Promise.all(
      ['call_transcripts', 'outbox_events', 'shunya_operations', 'shunya_jobs'].map(async (table) => [
        table,
        await t.db(table).select('*'),
      ]),
    ),
  );

/** A delivery signed as the handoff profile signs (the exact bytes), with a fresh timestamp. */
async function deliver(raw: string) {
  const ts = String(Date.now());
  const res = await fetch(`${otto.url}/api/v1/shunya/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shunya-timestamp': ts,
      'x-shunya-signature': createHmac('sha256', SECRET).update(`${ts}.${raw}`).digest('hex'),
    },
    body: raw,
  });
  const body = await res.json();
  const delivery = await t
    .db('webhook_deliveries')
    .where({ request_id: res.headers.get('x-request-id') })
    .first();
  return { status: res.status, body, delivery };
}

describe('the Shunya webhook receiver (regressions)', () => {
  it('a signed delivery whose company_id is not a UUID is 404 JOB_NOT_FOUND, not 500', async () => {
    // The job id is unknown, so the receiver looks for a still-submitting operation to adopt (D36):
    // that query compared company_id with a uuid column, and Postgres refused the text.
    const r = await deliver(
      JSON.stringify({
        shunya_job_id: 'no-such-job',
        status: 'completed',
        company_id: '__proto__',
        result: { call_id: 10001, transcript_text: 'Hello.' },
      }),
    );
    expect(r.status).toBe(404);
    expect(zErrorEnvelope.parse(r.body).error.error_code).toBe('JOB_NOT_FOUND');
    expect(r.delivery).toMatchObject({ verdict: 'unknown_job', http_status: 404, company_id: null });
  });

  it('a signed delivery for an unknown job whose call_id is beyond int8 is 404 JOB_NOT_FOUND, not 500', async () => {
    // the adoption lookup (D36) compared the call id with an int8 column, and Postgres refused 1.45e56
    for (const callId of [1.4512806591652198e56, Number.MAX_VALUE, 0, -3]) {
      const r = await deliver(
        JSON.stringify({
          shunya_job_id: 'no-such-job-2',
          status: 'completed',
          company_id: company.id,
          result: { call_id: callId, qualification: { qualification_status: 'hot' } },
        }),
      );
      expect(r.status).toBe(404);
      expect(zErrorEnvelope.parse(r.body).error.error_code).toBe('JOB_NOT_FOUND');
    }
  });

  it('a signed delivery whose job id is longer than 255 characters names no job: 404, nothing written, not 500', async () => {
    // adopting a still-submitting operation stored the 600,000-character id, which its unique index refused
    const { op, job } = await submittedTranscription('regression-long-id');
    await t
      .db('shunya_operations')
      .where({ id: op.id })
      .update({ status: 'submitting', shunya_job_id: null });
    const call = await t.db('calls').where({ id: job.call_id }).first();
    const before = await domainRows();
    const r = await deliver(
      JSON.stringify({
        shunya_job_id: 'a'.repeat(600_000),
        status: 'completed',
        company_id: company.id,
        result: { call_id: call.shunya_call_id, transcript_text: 'Hello.', speaker_labels: [] },
      }),
    );
    expect(r.status).toBe(404);
    expect(zErrorEnvelope.parse(r.body).error.error_code).toBe('JOB_NOT_FOUND');
    expect(await domainRows()).toEqual(before);
  });

  it('a signed delivery holding U+0000 is 400 INVALID_PAYLOAD (Postgres text cannot store it), not 500', async () => {
    // in the job id: the operation lookup itself failed
    const inId = await deliver(
      JSON.stringify({ shunya_job_id: 'job\u0000', status: 'completed', company_id: company.id, result: {} }),
    );
    expect(inId.status).toBe(400);
    expect(zErrorEnvelope.parse(inId.body).error.error_code).toBe('INVALID_PAYLOAD');
    expect(inId.delivery).toMatchObject({
      verdict: 'invalid_payload',
      shunya_job_id: null,
      company_id: null,
    });
    // in the result: the completion transaction failed on the transcript (and, for a segmentation, on
    // the job's output_payload jsonb)
    const { op } = await submittedTranscription('regression-nul-1');
    const before = await domainRows();
    const inResult = await deliver(
      JSON.stringify({
        shunya_job_id: 'regression-nul-1',
        status: 'completed',
        company_id: company.id,
        result: { transcript_text: 'Hello\u0000', speaker_labels: [] },
      }),
    );
    expect(inResult.status).toBe(400);
    expect(zErrorEnvelope.parse(inResult.body).error.error_code).toBe('INVALID_PAYLOAD');
    expect(await domainRows()).toEqual(before);
    expect((await t.db('shunya_operations').where({ id: op.id }).first()).status).toBe('submitted');
  });

  it('a signed delivery holding an unpaired surrogate is 400 INVALID_PAYLOAD, not 500', async () => {
    // JSON.stringify writes it as the escape \\ud800, which jsonb refuses (speaker_labels)
    const { op } = await submittedTranscription('regression-surrogate-1');
    const before = await domainRows();
    const r = await deliver(
      JSON.stringify({
        shunya_job_id: 'regression-surrogate-1',
        status: 'completed',
        company_id: company.id,
        result: {
          transcript_text: 'Hi',
          speaker_labels: [{ speaker: 'rep', text: 'Hi \ud800', start_time: 0 }],
        },
      }),
    );
    expect(r.status).toBe(400);
    expect(zErrorEnvelope.parse(r.body).error.error_code).toBe('INVALID_PAYLOAD');
    expect(await domainRows()).toEqual(before);
    expect((await t.db('shunya_operations').where({ id: op.id }).first()).status).toBe('submitted');
  });

  it('a signed transcript whose word_count overflows an int4 is processed with the counted words, not 500', async () => {
    const { job } = await submittedTranscription('regression-word-count-1');
    const r = await deliver(
      JSON.stringify({
        shunya_job_id: 'regression-word-count-1',
        status: 'completed',
        company_id: company.id,
        result: { transcript_text: 'Hello there, Sam.', word_count: 2 ** 31 },
      }),
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'processed' });
    expect((await t.db('call_transcripts').where({ call_id: job.call_id }).first()).word_count).toBe(3);
  });

  it('a signed analysis with date-times Date reads but Postgres does not keeps them as null, not 500', async () => {
    // year 0, February 30 (Date rolls it over into March) and text after the date: Postgres refused them
    const { job } = await submittedTranscription('regression-dates-1', 'analysis');
    const r = await deliver(
      JSON.stringify({
        shunya_job_id: 'regression-dates-1',
        status: 'completed',
        company_id: company.id,
        result: {
          qualification: {
            qualification_status: 'qualified_booked',
            appointment_date: '2025-01-15 (Wednesday) 10:00',
          },
          objections: { objections: [] },
          compliance: { compliance_score: 8 },
          summary: { summary: 'Booked a visit.' },
          sentiment_score: 0.7,
          pending_actions: [
            { action: 'Call back', due_at: '0000-01-01T00:00:00Z' },
            { action: 'Send the quote', due_at: '2025-02-30T10:00:00Z' },
          ],
        },
      }),
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'processed' });
    const tasks = await t.db('tasks').where({ call_id: job.call_id });
    expect(tasks.map((x) => x.due_at)).toEqual([null, null]);
    expect((await t.db('appointments').where({ call_id: job.call_id }).first()).scheduled_at).toBeNull();
  });

  it('a signed failure whose error wraps envelopes 12,000 deep is applied, not 500', async () => {
    // normalizeError unwrapped {error: {error: …}} recursively and overflowed the stack (D17: no input throws)
    const { job } = await submittedTranscription('regression-deep-error-1');
    const raw = `{"shunya_job_id":"regression-deep-error-1","status":"failed","company_id":"${company.id}","error":${'{"error":'.repeat(12_000)}{"error_code":"NO_SPEECH","message":"No speech","retryable":false}${'}'.repeat(12_000)}}`;
    const r = await deliver(raw);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'processed' });
    expect((await t.db('shunya_jobs').where({ id: job.id }).first()).last_error).toMatchObject({
      error_code: 'NO_SPEECH',
      message: 'No speech',
    });
  });
});

describe('the normaliser (regressions)', () => {
  it('normalizeError and normalizeWebhook do not throw on an error nested 12,000 deep', () => {
    const deep = JSON.parse(`${'{"error":'.repeat(12_000)}{"message":"deep"}${'}'.repeat(12_000)}`);
    expect(normalizeError(deep, 500)).toMatchObject({ message: 'deep', error_code: 'INTERNAL_SERVER_ERROR' });
    const webhook = normalizeWebhook({ shunya_job_id: 'j', status: 'failed', error: deep });
    expect(webhook.ok && webhook.value.error?.message).toBe('deep');
  });
});

describe('the CallRail trigger (regressions)', () => {
  const post = (raw: string, signature?: string) =>
    fetch(`${otto.url}/webhooks/callrail/call.completed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { signature } : {}) },
      body: raw,
    });
  const rows = async () => ({
    calls: await t.db('calls').count({ n: '*' }).first(),
    leads: await t.db('leads').count({ n: '*' }).first(),
    jobs: await t.db('shunya_jobs').count({ n: '*' }).first(),
  });

  it('an unsigned request naming a CallRail company with U+0000 is 401, not 500 (it failed before the signature check)', async () => {
    const res = await post(JSON.stringify({ resource_id: 'CAL1', company_id: '398714497\u0000' }));
    expect(res.status).toBe(401);
    expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe('INVALID_SIGNATURE');
  });

  it('a signed payload holding U+0000 is 400 VALIDATION_ERROR and writes nothing, not 500', async () => {
    const before = await rows();
    const raw = JSON.stringify({
      resource_id: 'CALregressionnul0000000000000000001',
      company_id: company.callrail_company_id,
      recording: 'https://recordings.example.com/a.mp3',
      customer_name: 'Jane\u0000Doe',
    });
    const res = await post(raw, callRailSignature(company.callrail_signing_key, raw));
    expect(res.status).toBe(400);
    expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe('VALIDATION_ERROR');
    expect(await rows()).toEqual(before);
  });

  it('a signed payload nested 12,000 deep is 400 VALIDATION_ERROR and writes nothing, not 500', async () => {
    // JSON.parse reads it; JSON.stringify, writing it to the jsonb column, overflowed the stack
    const before = await rows();
    const raw = `{"resource_id":"CALregressiondeep000000000000000001","company_id":${JSON.stringify(
      company.callrail_company_id,
    )},"extra":${'['.repeat(12_000)}${']'.repeat(12_000)}}`;
    const res = await post(raw, callRailSignature(company.callrail_signing_key, raw));
    expect(res.status).toBe(400);
    expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe('VALIDATION_ERROR');
    expect(await rows()).toEqual(before);
  });

  it('a signed payload holding an unpaired surrogate is 400 VALIDATION_ERROR and writes nothing, not 500', async () => {
    const before = await rows();
    const raw = JSON.stringify({
      resource_id: 'CALregressionsurrogate00000000000001',
      company_id: company.callrail_company_id,
      customer_name: 'Jane \ud800',
    });
    const res = await post(raw, callRailSignature(company.callrail_signing_key, raw));
    expect(res.status).toBe(400);
    expect(zErrorEnvelope.parse(await res.json()).error.error_code).toBe('VALIDATION_ERROR');
    expect(await rows()).toEqual(before);
  });

  it('a signed payload whose duration overflows an int4 is stored without a duration, not 500', async () => {
    for (const [n, duration] of [
      [1, 2 ** 32 + 5],
      [2, '2147483647.6'],
    ] as const) {
      const raw = JSON.stringify({
        resource_id: `CALregressionduration0000000000000${n}`,
        company_id: company.callrail_company_id,
        recording: 'https://recordings.example.com/a.mp3',
        duration,
      });
      const res = await post(raw, callRailSignature(company.callrail_signing_key, raw));
      expect(res.status).toBe(202);
      const { call_id } = await res.json();
      expect((await t.db('calls').where({ id: call_id }).first()).duration_seconds).toBeNull();
    }
  });

  it('a signed payload whose start_time Date reads but Postgres does not is stored without it, not 500', async () => {
    const cases: [string, string | null][] = [
      ['1', null], // Date.parse: 2001-01-01; Postgres: invalid input syntax
      ['85', null], // Postgres: date/time field value out of range
      ['0000-01-01T00:00:00Z', null], // Postgres has no year 0
      ['9999-12-31T23:59:59-01:00', null], // year 10000 in UTC
      ['2025-01-15T09:54:00.000-06:00', '2025-01-15T15:54:00.000Z'],
    ];
    for (const [i, [startTime, stored]] of cases.entries()) {
      const raw = JSON.stringify({
        resource_id: `CALregressionstart00000000000000000${i}`,
        company_id: company.callrail_company_id,
        start_time: startTime,
      });
      const res = await post(raw, callRailSignature(company.callrail_signing_key, raw));
      expect(res.status, startTime).toBe(202);
      const { call_id } = await res.json();
      const call = await t.db('calls').where({ id: call_id }).first();
      expect(call.started_at?.toISOString() ?? null, startTime).toBe(stored);
    }
  });
});
