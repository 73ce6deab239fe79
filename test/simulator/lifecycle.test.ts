// The asynchronous lifecycle (queued → processing → completed | failed) through the status and result
// endpoints, on virtual time; the refusals Shunya answers (D7); audio limits (§11.3); segmentation
// modes (D3); tenant isolation (§7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { admin, otto, sim } from './helpers.ts';

let h: SimulatorHandle;
let a: ReturnType<typeof admin>;
let c: ReturnType<typeof otto>;
beforeAll(async () => {
  // Time is frozen (scale 0) with the SLA latencies: only /__sim/time/advance moves it.
  h = await sim({ preset: 'slow' });
  a = admin(h.url);
  c = otto(h.url, 'acme');
});
afterAll(() => h.close());

describe('transcription lifecycle', () => {
  it('goes queued → processing → completed over virtual time scaled from the audio (§11.4)', async () => {
    const sub = await c.transcribe(101, {
      audio_url: 'https://recordings.example/101.mp3?duration_s=600',
      call_type: 'csr_call',
    });
    expect(sub.status).toBe(202);
    expect(sub.body).toMatchObject({
      success: true,
      call_id: 101,
      status: 'queued',
      task_id: expect.stringMatching(/^shunya_task_/),
      transcript_id: expect.any(Number),
    });

    const status = async () => (await c.get('/api/v1/transcription/status/101')).body;
    expect(await status()).toMatchObject({
      status: 'queued',
      task_id: sub.body.task_id,
      processed_at: null,
      error: null,
    });
    expect((await c.get('/api/v1/transcription/transcript/101')).body.error).toMatchObject({
      error_code: 'TRANSCRIPT_NOT_AVAILABLE',
      retryable: false,
      details: { status: 'queued' },
    });

    await a.advance(3);
    expect((await status()).status).toBe('processing');
    // 10 minutes of audio: about 2 minutes, never more than 5 (§11.4).
    await a.advance(297);
    const done = await status();
    expect(done.status).toBe('completed');
    const took = (Date.parse(done.processed_at) - Date.parse(done.created_at)) / 1000;
    expect(took).toBeGreaterThan(20);
    expect(took).toBeLessThanOrEqual(300);

    const t = await c.get('/api/v1/transcription/transcript/101');
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({
      success: true,
      call_id: 101,
      task_id: sub.body.task_id,
      transcript_text: expect.any(String),
      duration_seconds: 600,
    });
  });

  it('reports a forced failure with its error, and refuses analysis of it', async () => {
    await a.scenario('acme', 102, {
      fail: { transcription: { error_code: 'AUDIO_DECODE_FAILED', retryable: false } },
    });
    await c.transcribe(102);
    await a.advance(3600);
    const s = (await c.get('/api/v1/transcription/status/102')).body;
    expect(s).toMatchObject({
      status: 'failed',
      error: { error_code: 'AUDIO_DECODE_FAILED', error_type: 'server_error', retryable: false },
    });
    const start = await c.post('/api/v1/analysis/start/102');
    expect(start.status).toBe(409);
    expect(start.body.error).toMatchObject({
      error_code: 'TRANSCRIPT_FAILED',
      retryable: false,
      details: { transcription_status: 'failed' },
    });
  });
});

describe('analysis', () => {
  it('is refused with 409 TRANSCRIPT_NOT_READY (retryable) while the transcript is not finished', async () => {
    await c.transcribe(201);
    const r = await c.post('/api/v1/analysis/start/201');
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      success: false,
      error: {
        error_code: 'TRANSCRIPT_NOT_READY',
        error_type: 'client_error',
        retryable: true,
        details: { call_id: 201, transcription_status: 'queued' },
      },
    });
  });

  it('is 404 CALL_NOT_FOUND for a call never transcribed, and for a path id that is no call id', async () => {
    for (const path of ['/api/v1/analysis/start/999999', '/api/v1/analysis/start/abc']) {
      const r = await c.post(path);
      expect(r.status).toBe(404);
      expect(r.body.error.error_code).toBe('CALL_NOT_FOUND');
    }
  });

  it('runs after the transcript, with per-component status, then serves the complete analysis', async () => {
    await a.advance(3600);
    const start = await c.post('/api/v1/analysis/start/201');
    expect(start.status).toBe(202);
    expect(start.body).toMatchObject({
      success: true,
      call_id: 201,
      status: 'queued',
      job_id: expect.stringMatching(/^shunya_job_/),
    });
    expect((await c.get('/api/v1/analysis/complete/201')).body.error).toMatchObject({
      error_code: 'ANALYSIS_NOT_AVAILABLE',
    });

    await a.advance(10);
    const mid = (await c.get('/api/v1/analysis/status/201')).body;
    expect(mid.status).toBe('processing');
    expect(Object.keys(mid.components).sort()).toEqual([
      'compliance',
      'objections',
      'opportunity_analysis',
      'qualification',
      'summary',
    ]);

    await a.advance(200);
    const done = (await c.get('/api/v1/analysis/status/201')).body;
    expect(done).toMatchObject({ status: 'completed', job_id: start.body.job_id, error: null });
    expect(Object.values(done.components).every((s) => s === 'completed')).toBe(true);
    const took = (Date.parse(done.completed_at) - Date.parse(done.created_at)) / 1000;
    expect(took).toBeLessThanOrEqual(180);
    const result = await c.get('/api/v1/analysis/complete/201');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      call_id: 201,
      job_id: start.body.job_id,
      qualification: expect.any(Object),
    });
  });

  it('status of a call with no analysis is 404 ANALYSIS_NOT_AVAILABLE (not started)', async () => {
    const r = await c.get('/api/v1/analysis/status/101');
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({
      error_code: 'ANALYSIS_NOT_AVAILABLE',
      details: { status: 'not_started' },
    });
  });
});

describe('audio limits (§11.3)', () => {
  it.each([
    ['larger than 100 MB', 'https://r.example/a.mp3?size_bytes=104857601', 'AUDIO_TOO_LARGE'],
    ['100 MB given in MB', 'https://r.example/a.mp3?size_mb=101', 'AUDIO_TOO_LARGE'],
    [
      'a 2-hour WAV (over 100 MB at 8 kHz 16-bit)',
      'https://r.example/a.wav?duration_s=7000',
      'AUDIO_TOO_LARGE',
    ],
    ['longer than 2 hours', 'https://r.example/a.mp3?duration_s=7201', 'AUDIO_TOO_LONG'],
    ['not MP3, WAV or M4A', 'https://r.example/a.ogg', 'UNSUPPORTED_AUDIO_FORMAT'],
    ['not reachable', 'https://recordings.invalid/a.mp3', 'INVALID_AUDIO_URL'],
    ['answered 403 by storage', 'https://r.example/a.mp3?http_status=403', 'INVALID_AUDIO_URL'],
    ['not a URL', 'not a url', 'INVALID_AUDIO_URL'],
  ])('refuses audio %s with 422', async (_name, url, code) => {
    const r = await c.transcribe(301, { audio_url: url });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ error_code: code, error_type: 'client_error', retryable: false });
  });

  it('accepts audio just within the limits (a 2-hour MP3 of 100 MB)', async () => {
    const r = await c.transcribe(302, {
      audio_url: 'https://r.example/a.MP3?duration_s=7200&size_bytes=104857600',
    });
    expect(r.status).toBe(202);
  });

  it('applies scenario audio overrides', async () => {
    await a.scenario('acme', 303, { audio_duration_s: 7300 });
    expect((await c.transcribe(303)).body.error.error_code).toBe('AUDIO_TOO_LONG');
  });

  it('refuses an invalid body with 400 VALIDATION_ERROR, and one that is not JSON with 400 BAD_REQUEST', async () => {
    for (const [body, code] of [
      [{ call_id: 'x', audio_url: 'https://r.example/a.mp3' }, 'VALIDATION_ERROR'],
      [{ call_id: 1 }, 'VALIDATION_ERROR'],
      [{ call_id: 1, audio_url: 'https://r.example/a.mp3', extra: 1 }, 'VALIDATION_ERROR'],
      ['{not json', 'BAD_REQUEST'],
    ] as const) {
      const r = await c.post('/api/v1/transcription/transcribe', body);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ error_code: code, retryable: false });
    }
  });
});

describe('meeting segmentation (D3)', () => {
  it('refuses a CSR call with 422 SEGMENTATION_NOT_APPLICABLE and an unfinished transcript with 409', async () => {
    await c.transcribe(401, { call_type: 'csr_call' });
    await c.transcribe(402, { call_type: 'sales_call' });
    const csr = await c.post('/api/v1/meeting-segmentation/analyze', { call_id: 401 });
    expect(csr.status).toBe(422);
    expect(csr.body.error.error_code).toBe('SEGMENTATION_NOT_APPLICABLE');
    const early = await c.post('/api/v1/meeting-segmentation/analyze', { call_id: 402 });
    expect(early.status).toBe(409);
    expect(early.body.error.error_code).toBe('TRANSCRIPT_NOT_READY');
    expect((await c.post('/api/v1/meeting-segmentation/analyze', { call_id: 403 })).status).toBe(404);
  });

  it('answers 202 and runs a job by default (async)', async () => {
    await a.advance(7200);
    const r = await c.post('/api/v1/meeting-segmentation/analyze', { call_id: 402, analysis_type: 'full' });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      success: true,
      call_id: 402,
      status: 'queued',
      job_id: expect.stringMatching(/^shunya_seg_/),
    });
    const s1 = (await c.get('/api/v1/meeting-segmentation/status/402')).body;
    expect(s1).toMatchObject({
      status: 'queued',
      has_segmentation_analysis: false,
      segmentation_analysis_available: false,
    });
    expect((await c.get('/api/v1/meeting-segmentation/analysis/402')).status).toBe(404);
    await a.advance(300);
    const s2 = (await c.get('/api/v1/meeting-segmentation/status/402')).body;
    expect(s2).toMatchObject({
      status: 'completed',
      has_segmentation_analysis: true,
      segmentation_analysis_available: true,
    });
    const seg = (await c.get('/api/v1/meeting-segmentation/analysis/402')).body;
    expect(s2.part1_duration).toBe(seg.part1.duration);
  });

  it('answers 200 with the finished segmentation in sync mode (per tenant)', async () => {
    await a.config({ tenants: { acme: { segmentation_mode: 'sync' } } });
    const r = await c.post('/api/v1/meeting-segmentation/analyze', { call_id: 402 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      success: true,
      call_id: 402,
      part1: expect.any(Object),
      part2: expect.any(Object),
      call_type: 'sales_appointment',
    });
    expect((await c.get('/api/v1/meeting-segmentation/status/402')).body.status).toBe('completed');
    await a.config({ tenants: { acme: null } });
  });
});

describe('tenancy (§7)', () => {
  it('scopes call ids per company: another tenant neither sees nor collides with acme’s call', async () => {
    const other = otto(h.url, 'globex');
    expect((await other.get('/api/v1/transcription/status/101')).body.error.error_code).toBe(
      'CALL_NOT_FOUND',
    );
    const mine = await other.transcribe(101);
    expect(mine.status).toBe(202);
    const acme = (await c.get('/api/v1/transcription/status/101')).body;
    expect(acme.task_id).not.toBe(mine.body.task_id);
    expect(acme.status).toBe('completed');
    const jobs = (await a.jobs('?company_id=globex')).body.jobs;
    expect(jobs.map((j: { call_id: number }) => j.call_id)).toEqual([101]);
  });
});
