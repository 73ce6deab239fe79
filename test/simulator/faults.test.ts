// Request and payload faults, one kind at a time, and how rules are scoped (tenant, operation),
// scripted (next N), drawn (probability) and expired (duration).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { admin, otto, sim } from './helpers.ts';

let h: SimulatorHandle;
let a: ReturnType<typeof admin>;
let c: ReturnType<typeof otto>;
beforeAll(async () => {
  h = await sim();
  a = admin(h.url);
  c = otto(h.url, 'acme');
});
afterAll(() => h.close());
afterEach(async () => {
  await a.call('POST', '/reset');
});

// biome-ignore lint/suspicious/noExplicitAny: bodies are inspected field by field
type Any = any;
const fault = async (rule: unknown) => expect((await a.fault(rule)).status).toBe(201);

async function ready(callId: number, extra: Record<string, unknown> = {}) {
  expect((await c.transcribe(callId, extra)).status).toBe(202);
  await a.advance(1);
}

async function analysed(callId: number) {
  await a.scenario('acme', callId, { objections: ['Price/Budget', 'Timing'] });
  await ready(callId);
  expect((await c.post(`/api/v1/analysis/start/${callId}`)).status).toBe(202);
  await a.advance(1);
}

describe('latency', () => {
  const timed = async () => {
    const t = performance.now();
    expect((await c.get('/api/v1/transcription/status/1')).status).toBe(404);
    return performance.now() - t;
  };

  it('fixed', async () => {
    await fault({ kind: 'latency', params: { delay: { model: 'fixed', ms: 300 } } });
    expect(await timed()).toBeGreaterThanOrEqual(290);
  });

  it('uniform', async () => {
    await fault({ kind: 'latency', params: { delay: { model: 'uniform', min_ms: 100, max_ms: 200 } } });
    for (let i = 0; i < 3; i++) {
      const ms = await timed();
      expect(ms).toBeGreaterThanOrEqual(95);
      expect(ms).toBeLessThan(400);
    }
  });

  it('lognormal, capped', async () => {
    await fault({
      kind: 'latency',
      params: { delay: { model: 'lognormal', median_ms: 40, sigma: 1.5, max_ms: 150 } },
    });
    const all = [];
    for (let i = 0; i < 8; i++) all.push(await timed());
    expect(Math.max(...all)).toBeLessThan(350);
    expect(Math.max(...all) - Math.min(...all)).toBeGreaterThan(5);
  });
});

describe('answers instead of the handler', () => {
  it('5xx retryable (500 INTERNAL_ERROR by default)', async () => {
    await fault({ kind: 'error', count: 1 });
    const r = await c.transcribe(1);
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({
      success: false,
      error: { error_code: 'INTERNAL_ERROR', error_type: 'server_error', retryable: true },
    });
    expect((await a.jobs()).body.jobs).toHaveLength(0);
    expect((await c.transcribe(1)).status).toBe(202);
  });

  it('5xx not retryable, with its own code', async () => {
    await fault({
      kind: 'error',
      count: 1,
      params: { status: 500, retryable: false, error_code: 'MODEL_CRASHED' },
    });
    const r = await c.transcribe(1);
    expect(r.body.error).toMatchObject({ error_code: 'MODEL_CRASHED', retryable: false });
  });

  it('503 with Retry-After', async () => {
    await fault({ kind: 'error', count: 1, params: { status: 503, retry_after_s: 7 } });
    const r = await c.get('/api/v1/transcription/status/1');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.body.error).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE', retryable: true });
  });

  it('429 with Retry-After and details.retry_after', async () => {
    await fault({ kind: 'rate_limit', count: 1, params: { retry_after_s: 12 } });
    const r = await c.transcribe(1);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('12');
    expect(r.body.error).toMatchObject({
      error_code: 'RATE_LIMIT_EXCEEDED',
      error_type: 'rate_limit_error',
      retryable: true,
      details: { retry_after: 12 },
    });
  });

  it('200 with a success:false envelope', async () => {
    await fault({ kind: 'success_false', count: 1 });
    const r = await c.transcribe(1);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      success: false,
      error: { error_code: 'INTERNAL_ERROR', retryable: true },
    });
  });

  it('malformed JSON: a 200 whose body is cut short (the job was created)', async () => {
    await fault({ kind: 'malformed_json', count: 1 });
    const r = await c.transcribe(1);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(r.text.startsWith('{"success":true')).toBe(true);
    expect((await a.jobs()).body.jobs).toHaveLength(1);
  });

  it('hang: no answer until the client gives up', async () => {
    await fault({ kind: 'hang', count: 1 });
    const t = performance.now();
    await expect(fetch(`${h.url}/health`, { signal: AbortSignal.timeout(300) })).rejects.toThrow(
      /abort|timeout/i,
    );
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
  });

  it('hang: at most max_ms, then the connection is closed', async () => {
    await fault({ kind: 'hang', count: 1, params: { max_ms: 200 } });
    await expect(fetch(`${h.url}/health`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow(
      /fetch failed/,
    );
  });

  it('connection reset', async () => {
    await fault({ kind: 'reset', count: 1 });
    const err = await fetch(`${h.url}/health`).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error & { cause?: Error }).cause?.message ?? err)).toMatch(
      /reset|socket|closed|terminated/i,
    );
  });

  it('reset after the handler: the job exists, and a retry with the same Idempotency-Key gets it', async () => {
    await fault({ kind: 'reset', count: 1, operations: ['transcribe'], params: { phase: 'after' } });
    const key = { 'idempotency-key': 'lost-answer' };
    await expect(c.transcribe(1, {}, key)).rejects.toThrow();
    const jobs = (await a.jobs()).body.jobs;
    expect(jobs).toHaveLength(1);
    const retry = await c.transcribe(1, {}, key);
    expect(retry.status).toBe(202);
    expect(retry.body.task_id).toBe(jobs[0].job_id);
    expect((await a.jobs()).body.jobs).toHaveLength(1);
  });
});

describe('payload faults', () => {
  it('field-name variations of §6 in a transcript', async () => {
    await ready(1);
    await fault({
      kind: 'field_variants',
      count: 1,
      params: { variants: ['transcript', 'speakers', 'confidence'] },
    });
    const t = (await c.get('/api/v1/transcription/transcript/1')).body;
    expect(t).toMatchObject({
      transcript: expect.any(String),
      speakers: expect.any(Array),
      confidence: expect.any(Number),
    });
    expect(t.transcript_text).toBeUndefined();
    expect(t.speaker_labels).toBeUndefined();
    expect(t.confidence_score).toBeUndefined();
    await fault({ kind: 'field_variants', count: 1, params: { variants: ['diarization'] } });
    expect((await c.get('/api/v1/transcription/transcript/1')).body.diarization).toEqual(expect.any(Array));
  });

  it('field-name variations of §6 in an analysis', async () => {
    await analysed(2);
    await fault({
      kind: 'field_variants',
      count: 1,
      params: { variants: ['objection', 'category', 'sentiment'] },
    });
    const x = (await c.get('/api/v1/analysis/complete/2')).body;
    expect(x.objections.objections[0]).toMatchObject({
      objection: expect.any(String),
      category: expect.any(String),
    });
    expect(x.objections.objections[0].objection_text).toBeUndefined();
    expect(x.sentiment).toEqual(expect.any(Number));
    expect(x.sentiment_score).toBeUndefined();
    await fault({ kind: 'field_variants', count: 1, params: { variants: ['sentiment_analysis.score'] } });
    const y = (await c.get('/api/v1/analysis/complete/2')).body;
    expect(y.sentiment_analysis).toEqual({ score: expect.any(Number) });
  });

  it("Shunya's nested shape for one result", async () => {
    await analysed(3);
    await fault({ kind: 'shunya_shape', count: 1 });
    const x = (await c.get('/api/v1/analysis/complete/3')).body;
    expect(['hot', 'warm', 'cold', 'unqualified']).toContain(x.qualification.qualification_status);
    expect(x.summary.pending_actions).toEqual(expect.any(Array));
    expect(x.opportunity_analysis).toEqual(expect.any(Object));
    const y = (await c.get('/api/v1/analysis/complete/3')).body;
    expect(y.sentiment_score).toEqual(expect.any(Number));
  });

  it('missing optional fields', async () => {
    await analysed(4);
    await fault({ kind: 'missing_optional', count: 2 });
    const t = (await c.get('/api/v1/transcription/transcript/4')).body;
    expect(Object.keys(t).sort()).toEqual(['call_id', 'transcript_text']);
    const x = (await c.get('/api/v1/analysis/complete/4')).body;
    expect(Object.keys(x).sort()).toEqual([
      'call_id',
      'compliance',
      'objections',
      'qualification',
      'summary',
    ]);
    expect(Object.keys(x.qualification)).toEqual(['qualification_status']);
    expect(Object.keys(x.summary)).toEqual(['summary']);
  });

  it('missing or null at chosen paths', async () => {
    await analysed(5);
    await fault({
      kind: 'missing_optional',
      count: 1,
      params: { fields: ['objections.objections[].timestamp'] },
    });
    const x = (await c.get('/api/v1/analysis/complete/5')).body;
    expect(x.objections.objections.every((o: Any) => !('timestamp' in o))).toBe(true);
    await fault({ kind: 'nulls', count: 1, params: { fields: ['summary.summary', 'sentiment_score'] } });
    const y = (await c.get('/api/v1/analysis/complete/5')).body;
    expect(y.summary.summary).toBeNull();
    expect(y.sentiment_score).toBeNull();
  });

  it('nulls where the contract has none', async () => {
    await ready(6);
    await fault({ kind: 'nulls', count: 1 });
    const t = (await c.get('/api/v1/transcription/transcript/6')).body;
    expect(t).toMatchObject({ speaker_labels: null, word_count: null, language: null, call_id: 6 });
    expect(t.transcript_text).toEqual(expect.any(String));
  });

  it('numbers as strings', async () => {
    await ready(7);
    await fault({ kind: 'numbers_as_strings', count: 1 });
    const t = (await c.get('/api/v1/transcription/transcript/7')).body;
    expect(t.call_id).toBe('7');
    expect(typeof t.speaker_labels[1].start_time).toBe('string');
    expect(Number(t.speaker_labels[1].start_time)).toBeGreaterThan(0);
  });
});

describe('rules', () => {
  it('are scoped to a tenant', async () => {
    await fault({ kind: 'error', company_id: 'globex' });
    expect((await c.transcribe(1)).status).toBe(202);
    expect((await otto(h.url, 'globex').transcribe(1)).status).toBe(500);
  });

  it('are scoped to operations', async () => {
    await fault({ kind: 'error', operations: ['transcribe'] });
    expect((await c.transcribe(1)).status).toBe(500);
    expect((await c.get('/api/v1/transcription/status/1')).status).toBe(404);
    await a.call('DELETE', '/faults');
    await fault({ kind: 'error', operations: ['analysis'] });
    expect((await c.transcribe(2)).status).toBe(202);
    await a.advance(1);
    expect((await c.post('/api/v1/analysis/start/2')).status).toBe(500);
    expect((await c.get('/api/v1/analysis/status/2')).status).toBe(500);
  });

  it('run as a script: the next N matching requests, then expire', async () => {
    await fault({ kind: 'error', count: 2, params: { status: 503 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${h.url}/health`)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect((await a.call('GET', '/faults')).body.rules).toEqual([]);
  });

  it('hit with their probability (seeded)', async () => {
    await fault({ kind: 'error', probability: 0.3 });
    let hit = 0;
    for (let i = 0; i < 300; i++) if ((await fetch(`${h.url}/health`)).status === 500) hit++;
    expect(hit).toBeGreaterThan(60);
    expect(hit).toBeLessThan(120);
  });

  it('expire after duration_s of virtual time', async () => {
    await fault({ kind: 'error', duration_s: 30 });
    expect((await fetch(`${h.url}/health`)).status).toBe(500);
    await a.advance(31);
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
  });

  it('can be removed one by one', async () => {
    const id = (await a.fault({ kind: 'error' })).body.rules[0].id;
    expect((await fetch(`${h.url}/health`)).status).toBe(500);
    expect((await a.call('DELETE', `/faults/${id}`)).status).toBe(204);
    expect((await a.call('DELETE', `/faults/${id}`)).status).toBe(404);
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
  });

  it('job_failure: the job ends failed with the rule’s error', async () => {
    await fault({
      kind: 'job_failure',
      operations: ['transcription'],
      count: 1,
      params: { error_code: 'ASR_TIMEOUT', retryable: true },
    });
    await ready(1);
    expect((await c.get('/api/v1/transcription/status/1')).body).toMatchObject({
      status: 'failed',
      error: { error_code: 'ASR_TIMEOUT' },
    });
    await ready(2);
    expect((await c.get('/api/v1/transcription/status/2')).body.status).toBe('completed');
  });

  it('are refused when invalid', async () => {
    const r = await a.fault({ kind: 'explode' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'BAD_REQUEST', issues: expect.any(Array) });
  });
});
