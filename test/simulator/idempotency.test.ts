// Idempotency-Key (§4.6): per tenant, for 24 hours; same key and request → the same answer and no new
// job; same key and another request → 409 IDEMPOTENCY_KEY_REUSED; retryable refusals are not stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const jobsOf = async (callId: number, company = 'acme') =>
  (await a.jobs(`?company_id=${company}&call_id=${callId}`)).body.jobs as { job_id: string }[];

describe('Idempotency-Key', () => {
  it('replays the same answer for the same key and body, without a new job', async () => {
    const key = { 'idempotency-key': 'k-replay' };
    const first = await c.transcribe(1, {}, key);
    const second = await c.transcribe(1, {}, key);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await jobsOf(1)).toHaveLength(1);
    expect((await a.call('GET', '/stats')).body.idempotency.replays).toBe(1);
  });

  it('handles concurrent duplicates as one request', async () => {
    const key = { 'idempotency-key': 'k-concurrent' };
    const [x, y, z] = await Promise.all([
      c.transcribe(2, {}, key),
      c.transcribe(2, {}, key),
      c.transcribe(2, {}, key),
    ]);
    expect(new Set([x.body.task_id, y.body.task_id, z.body.task_id]).size).toBe(1);
    expect(await jobsOf(2)).toHaveLength(1);
  });

  it('refuses the same key with a different body (409 IDEMPOTENCY_KEY_REUSED)', async () => {
    const key = { 'idempotency-key': 'k-conflict' };
    expect((await c.transcribe(3, {}, key)).status).toBe(202);
    const r = await c.transcribe(4, {}, key);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({
      error_code: 'IDEMPOTENCY_KEY_REUSED',
      error_type: 'client_error',
      retryable: false,
      details: { idempotency_key: 'k-conflict' },
    });
    expect(await jobsOf(4)).toHaveLength(0);
  });

  it('refuses the same key on another path (analysis of another call)', async () => {
    await a.advance(1);
    const key = { 'idempotency-key': 'k-path' };
    expect((await c.post('/api/v1/analysis/start/1', undefined, key)).status).toBe(202);
    expect((await c.post('/api/v1/analysis/start/1', undefined, key)).status).toBe(202);
    expect((await c.post('/api/v1/analysis/start/3', undefined, key)).body.error.error_code).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
    expect((await a.jobs('?company_id=acme&kind=analysis')).body.jobs).toHaveLength(1);
  });

  it('is scoped per tenant', async () => {
    const key = { 'idempotency-key': 'k-tenant' };
    const acme = await c.transcribe(5, {}, key);
    const globex = await otto(h.url, 'globex').transcribe(5, {}, key);
    expect(globex.status).toBe(202);
    expect(globex.body.task_id).not.toBe(acme.body.task_id);
  });

  it('replays a non-retryable refusal, but not a retryable one', async () => {
    const key = { 'idempotency-key': 'k-422' };
    const bad = { audio_url: 'https://r.example/a.ogg' };
    expect((await c.transcribe(6, bad, key)).status).toBe(422);
    const replay = await c.transcribe(6, bad, key);
    expect(replay.status).toBe(422);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    await c.transcribe(7);
    const early = { 'idempotency-key': 'k-409' };
    expect((await c.post('/api/v1/analysis/start/7', undefined, early)).status).toBe(409);
    await a.advance(1);
    const later = await c.post('/api/v1/analysis/start/7', undefined, early);
    expect(later.status).toBe(202);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });

  it('forgets keys after 24 virtual hours', async () => {
    const key = { 'idempotency-key': 'k-expiry' };
    const first = await c.transcribe(8, {}, key);
    await a.advance(24 * 3600 + 1);
    const again = await c.transcribe(8, {}, key);
    expect(again.status).toBe(202);
    expect(again.body.task_id).not.toBe(first.body.task_id);
    expect(await jobsOf(8)).toHaveLength(2);
  });

  it('without a key, every request is a new job', async () => {
    await c.transcribe(9);
    await c.transcribe(9);
    expect(await jobsOf(9)).toHaveLength(2);
  });
});
