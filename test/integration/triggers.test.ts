// The two triggers over real HTTP and Postgres (§3.1, §3.2): what they write, in one transaction, and
// what they refuse without writing anything.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  buildCompany,
  callRailPayload,
  callRailSignature,
  postCallRail,
  tenantToken,
} from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';

let t: TestDatabase;
let otto: Listening;
let prodLike: Listening;

const count = async (table: string, where: Record<string, unknown> = {}) =>
  Number(((await t.db(table).where(where).count({ n: '*' }).first()) as { n: string }).n);
beforeAll(async () => {
  t = await createTestDatabase();
  const logger = createLogger('silent');
  otto = await listen(
    buildApp({
      config: loadConfig({ ...TEST_SECRETS }),
      db: t.db,
      logger,
      workerCheck: async () => 'disabled',
    }),
  );
  prodLike = await listen(
    buildApp({
      config: loadConfig({ ...TEST_SECRETS, AUDIO_REQUIRE_HTTPS: 'true' }),
      db: t.db,
      logger,
      workerCheck: async () => 'disabled',
    }),
  );
});
afterAll(async () => {
  await otto.close();
  await prodLike.close();
  await t.drop();
});

describe('POST /webhooks/callrail/call.completed', () => {
  it('stores the call, its lead and its csr_call job, and admits the job, in one go', async () => {
    const company = await buildCompany(t.db);
    const payload = callRailPayload(company);
    const res = await postCallRail(otto.url, company, payload);
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toEqual({
      status: 'queued',
      call_id: expect.any(String),
      job_id: expect.any(String),
      duplicate: false,
    });
    const call = await t.db('calls').where({ id: body.call_id }).first();
    expect(call).toMatchObject({
      company_id: company.id,
      callrail_call_id: payload.resource_id,
      recording_url: payload.recording,
      duration_seconds: 312,
    });
    expect(call.lead_id).toBeTruthy();
    const lead = await t.db('leads').where({ id: call.lead_id }).first();
    expect(lead).toMatchObject({ customer_phone: payload.customer_phone_number, status: 'new' });
    const job = await t.db('shunya_jobs').where({ id: body.job_id }).first();
    expect(job).toMatchObject({
      job_type: 'csr_call',
      // admitted in the trigger's own transaction: the tenant had a free slot (D39)
      job_status: 'running',
      attempts: 1,
      stage: 'transcription',
      call_id: body.call_id,
      max_attempts: 5,
    });
    expect(job.input_payload).toEqual({
      call_id: body.call_id,
      shunya_call_id: call.shunya_call_id,
      audio_url: payload.recording,
      call_type: 'csr_call',
    });
    expect(await count('shunya_job_attempts', { job_id: job.id, attempt: 1, stage: 'transcription' })).toBe(
      1,
    );
    expect(
      await t.db
        .raw(`SELECT 1 FROM graphile_worker.jobs WHERE key = ?`, [`advance:${job.id}`])
        .then((r) => r.rows.length),
    ).toBe(1);
  });

  it('leaves the job pending, with nothing queued, when the tenant has no free slot', async () => {
    const company = await buildCompany(t.db);
    const limit = loadConfig({ ...TEST_SECRETS }).jobs.tenantMaxConcurrent;
    const admitted: string[] = [];
    for (let i = 0; i < limit; i++) {
      const body = await (await postCallRail(otto.url, company, callRailPayload(company))).json();
      admitted.push(body.job_id);
    }
    const last = await (await postCallRail(otto.url, company, callRailPayload(company))).json();
    expect(last.status).toBe('queued');
    const statuses = await t.db('shunya_jobs').where({ company_id: company.id }).select('id', 'job_status');
    expect(
      statuses
        .filter((j) => j.job_status === 'running')
        .map((j) => j.id)
        .sort(),
    ).toEqual(admitted.sort());
    expect(statuses.find((j) => j.id === last.job_id)?.job_status).toBe('pending');
    expect(
      await t.db
        .raw(`SELECT 1 FROM graphile_worker.jobs WHERE key = ?`, [`advance:${last.job_id}`])
        .then((r) => r.rows.length),
    ).toBe(0);
  });

  it('creates nothing new for a repeated delivery, even ten at once', async () => {
    const company = await buildCompany(t.db);
    const payload = callRailPayload(company);
    const first = await (await postCallRail(otto.url, company, payload)).json();
    const again = await Promise.all(
      Array.from({ length: 10 }, () => postCallRail(otto.url, company, payload)),
    );
    for (const r of again) {
      expect(r.status).toBe(202);
      expect(await r.json()).toEqual({ ...first, duplicate: true });
    }
    expect(await count('calls', { company_id: company.id })).toBe(1);
    expect(await count('shunya_jobs', { company_id: company.id })).toBe(1);
    expect(await count('leads', { company_id: company.id })).toBe(1);
  });

  it("accepts the handoff seed's field names", async () => {
    const company = await buildCompany(t.db);
    const res = await postCallRail(otto.url, company, {
      call_id: 'CAL-seed-1',
      company_id: Number(company.callrail_company_id),
      recording_url: 'https://s3.amazonaws.com/bucket/audio.mp3',
      customer_phone: '+12175550199',
      duration: 95,
    });
    expect(res.status).toBe(202);
    const call = await t
      .db('calls')
      .where({ company_id: company.id, callrail_call_id: 'CAL-seed-1' })
      .first();
    expect(call).toMatchObject({
      recording_url: 'https://s3.amazonaws.com/bucket/audio.mp3',
      customer_phone: '+12175550199',
      duration_seconds: 95,
    });
  });

  it('stores a call without a recording and does not send it to Shunya; a later delivery with one does', async () => {
    const company = await buildCompany(t.db);
    const payload = callRailPayload(company, { recording: null });
    const res = await (await postCallRail(otto.url, company, payload)).json();
    expect(res).toMatchObject({ status: 'stored_without_recording', job_id: null, duplicate: false });
    expect(await count('shunya_jobs', { company_id: company.id })).toBe(0);
    const later = await (
      await postCallRail(otto.url, company, { ...payload, recording: 'https://r.example.com/late.mp3' })
    ).json();
    expect(later).toMatchObject({
      status: 'queued',
      call_id: res.call_id,
      job_id: expect.any(String),
      duplicate: true,
    });
    expect(await count('shunya_jobs', { company_id: company.id })).toBe(1);
  });

  it('verifies the per-company algorithm (HMAC-SHA256 when configured)', async () => {
    const company = await buildCompany(t.db, { callrail_signature_algorithm: 'hmac-sha256' });
    const payload = callRailPayload(company);
    const raw = JSON.stringify(payload);
    expect(
      (await postCallRail(otto.url, company, payload, callRailSignature(company.callrail_signing_key, raw)))
        .status,
    ).toBe(401);
    expect(
      (
        await postCallRail(
          otto.url,
          company,
          payload,
          callRailSignature(company.callrail_signing_key, raw, 'sha256'),
        )
      ).status,
    ).toBe(202);
  });

  describe('refuses, writing nothing', () => {
    let company: Awaited<ReturnType<typeof buildCompany>>;
    beforeEach(async () => {
      company = await buildCompany(t.db);
    });
    const expectNothingWritten = async () => {
      expect(await count('calls', { company_id: company.id })).toBe(0);
      expect(await count('shunya_jobs', { company_id: company.id })).toBe(0);
    };
    const expectError = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      const body = await res.json();
      expect(body.success).toBe(false);
      expect(body.error.error_code).toBe(code);
      expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
    };

    it('a missing signature (401)', async () => {
      await expectError(
        await postCallRail(otto.url, company, callRailPayload(company), null),
        401,
        'MISSING_SIGNATURE',
      );
      await expectNothingWritten();
    });
    it('a bad signature, or one made with another key (401)', async () => {
      await expectError(
        await postCallRail(otto.url, company, callRailPayload(company), 'bm9wZQ=='),
        401,
        'INVALID_SIGNATURE',
      );
      const raw = JSON.stringify(callRailPayload(company));
      await expectError(
        await postCallRail(
          otto.url,
          company,
          JSON.parse(raw),
          callRailSignature('another-key-0123456789', raw),
        ),
        401,
        'INVALID_SIGNATURE',
      );
      await expectNothingWritten();
    });
    it('a body re-serialised after signing (the signature covers the exact bytes)', async () => {
      const payload = callRailPayload(company);
      const signedBytes = JSON.stringify(payload, null, 2);
      const res = await postCallRail(
        otto.url,
        company,
        payload,
        callRailSignature(company.callrail_signing_key, signedBytes),
      );
      await expectError(res, 401, 'INVALID_SIGNATURE');
      await expectNothingWritten();
    });
    it('an unknown CallRail company (401)', async () => {
      const payload = callRailPayload(company, { company_id: '999' });
      await expectError(await postCallRail(otto.url, company, payload), 401, 'INVALID_SIGNATURE');
    });
    it('invalid JSON (400), a non-object (400), a missing call id (400)', async () => {
      const bad = await fetch(`${otto.url}/webhooks/callrail/call.completed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"resource_id":',
      });
      await expectError(bad, 400, 'INVALID_JSON');
      const arr = await fetch(`${otto.url}/webhooks/callrail/call.completed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[1,2]',
      });
      await expectError(arr, 400, 'VALIDATION_ERROR');
      const payload = callRailPayload(company);
      delete payload.resource_id;
      await expectError(await postCallRail(otto.url, company, payload), 400, 'VALIDATION_ERROR');
      await expectNothingWritten();
    });
    it('a wrong media type (415) and an oversized body (413)', async () => {
      const text = await fetch(`${otto.url}/webhooks/callrail/call.completed`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      });
      await expectError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
      const big = callRailPayload(company, { notes: 'x'.repeat(1_100_000) });
      await expectError(await postCallRail(otto.url, company, big), 413, 'PAYLOAD_TOO_LARGE');
      await expectNothingWritten();
    });
    it('a plain-http recording where https is required (422)', async () => {
      const payload = callRailPayload(company, { recording: 'http://insecure.example.com/a.mp3' });
      await expectError(await postCallRail(prodLike.url, company, payload), 422, 'AUDIO_URL_NOT_HTTPS');
      await expectNothingWritten();
    });
  });
});

describe('POST /api/v1/recording-sessions/{session_id}/upload-audio', () => {
  const upload = (base: string, sessionId: string, token: string | null, body: unknown) =>
    fetch(`${base}/api/v1/recording-sessions/${sessionId}/upload-audio`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const audio = {
    audio_url: 'https://uploads.example.com/visit.m4a',
    file_size_bytes: 24_117_248,
    duration_seconds: 1800,
  };

  it('creates the session and its sales_visit job; a repeat returns the same job', async () => {
    const company = await buildCompany(t.db);
    const token = await tenantToken(company.id, { role: 'sales_rep' });
    const sessionId = randomUUID();
    const res = await upload(otto.url, sessionId, token, { ...audio, ghost_mode: true });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toEqual({
      session_id: sessionId,
      job_id: expect.any(String),
      status: 'running', // admitted at once: the tenant had a free slot
      duplicate: false,
    });
    const session = await t.db('recording_sessions').where({ id: sessionId }).first();
    expect(session).toMatchObject({
      company_id: company.id,
      audio_url: audio.audio_url,
      audio_format: 'm4a',
      ghost_mode: true,
    });
    const job = await t.db('shunya_jobs').where({ id: body.job_id }).first();
    expect(job.input_payload).toMatchObject({
      recording_session_id: sessionId,
      shunya_call_id: session.shunya_call_id,
      ghost_mode: true,
      call_type: 'sales_call',
    });
    const again = await (await upload(otto.url, sessionId, token, audio)).json();
    expect(again).toEqual({ ...body, duplicate: true });
    expect(await count('shunya_jobs', { company_id: company.id })).toBe(1);
  });

  it('refuses other audio for a session already uploaded (409)', async () => {
    const company = await buildCompany(t.db);
    const token = await tenantToken(company.id);
    const sessionId = randomUUID();
    expect((await upload(otto.url, sessionId, token, audio)).status).toBe(202);
    const res = await upload(otto.url, sessionId, token, {
      audio_url: 'https://uploads.example.com/other.mp3',
    });
    expect(res.status).toBe(409);
    expect((await res.json()).error.error_code).toBe('SESSION_ALREADY_UPLOADED');
  });

  it("answers 404 for another tenant's session or appointment", async () => {
    const a = await buildCompany(t.db);
    const b = await buildCompany(t.db);
    const sessionId = randomUUID();
    expect((await upload(otto.url, sessionId, await tenantToken(a.id), audio)).status).toBe(202);
    const foreign = await upload(otto.url, sessionId, await tenantToken(b.id), audio);
    expect(foreign.status).toBe(404);
    const [appt] = await t.db('appointments').insert({ company_id: a.id }).returning('id');
    const res = await upload(otto.url, randomUUID(), await tenantToken(b.id), {
      ...audio,
      appointment_id: appt.id,
    });
    expect(res.status).toBe(404);
    expect(await count('recording_sessions', { company_id: b.id })).toBe(0);
  });

  it.each([
    [{ ...audio, file_size_bytes: 104_857_601 }, 422, 'AUDIO_TOO_LARGE'],
    [{ ...audio, duration_seconds: 7201 }, 422, 'AUDIO_TOO_LONG'],
    [{ audio_url: 'https://uploads.example.com/visit.ogg' }, 422, 'UNSUPPORTED_AUDIO_FORMAT'],
    [{ audio_url: 'not a url' }, 400, 'VALIDATION_ERROR'],
    [{ ...audio, audio_format: 'flac' }, 400, 'VALIDATION_ERROR'],
    [{ ...audio, surprise: true }, 400, 'VALIDATION_ERROR'],
  ])('refuses %j with %i %s, writing nothing', async (body, status, code) => {
    const company = await buildCompany(t.db);
    const res = await upload(otto.url, randomUUID(), await tenantToken(company.id), body);
    expect(res.status).toBe(status);
    expect((await res.json()).error.error_code).toBe(code);
    expect(await count('recording_sessions', { company_id: company.id })).toBe(0);
  });

  it('requires https outside development', async () => {
    const company = await buildCompany(t.db);
    const res = await upload(prodLike.url, randomUUID(), await tenantToken(company.id), {
      audio_url: 'http://uploads.example.com/visit.mp3',
    });
    expect(res.status).toBe(422);
    expect((await res.json()).error.error_code).toBe('AUDIO_URL_NOT_HTTPS');
  });

  it('answers 401 without a valid token', async () => {
    const company = await buildCompany(t.db);
    const cases: [string | null, string][] = [
      [null, 'TOKEN_MISSING'],
      ['not.a.jwt', 'TOKEN_INVALID'],
      [await tenantToken(company.id, { secret: 'the-wrong-secret-0123456789' }), 'TOKEN_INVALID'],
      [await tenantToken(company.id, { expiresIn: '-1m' }), 'TOKEN_EXPIRED'],
      [await tenantToken(randomUUID()), 'UNKNOWN_TENANT'],
      [await tenantToken(company.id, { claim: 'tenant' }), 'TOKEN_INVALID'],
    ];
    for (const [token, code] of cases) {
      const res = await upload(otto.url, randomUUID(), token, audio);
      expect(res.status, code).toBe(401);
      expect((await res.json()).error.error_code).toBe(code);
    }
    expect(await count('shunya_jobs', { company_id: company.id })).toBe(0);
    expect(await count('recording_sessions', { company_id: company.id })).toBe(0);
  });
});
