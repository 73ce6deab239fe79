// The retention window (D290): finished jobs, answered idempotency keys and finished webhook deliveries
// are kept for SIMULATOR_RETENTION_S seconds of wall-clock time, then swept; an unknown call is then
// 404 CALL_NOT_FOUND, as the contract answers for a call never submitted.
import { afterEach, describe, expect, it } from 'vitest';
import { optionsFromCli } from '../../simulator/options.ts';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { admin, otto, receiver, sim, until } from './helpers.ts';

const WINDOW_S = 600;
let h: SimulatorHandle | undefined;
let hook: Awaited<ReturnType<typeof receiver>> | undefined;
afterEach(async () => {
  await h?.close();
  await hook?.close();
  h = undefined;
  hook = undefined;
});

async function started(retentionS: number) {
  hook = await receiver();
  h = await sim({ retentionS, webhookUrl: hook.url });
  return { a: admin(h.url), c: otto(h.url, 'acme'), s: h.sim };
}

/** Submits a transcription with an Idempotency-Key and lets it finish and its webhook be delivered. */
async function finished(a: ReturnType<typeof admin>, c: ReturnType<typeof otto>, callId: number) {
  const r = await c.transcribe(callId, {}, { 'idempotency-key': `key-${callId}` });
  expect(r.status).toBe(202);
  await a.advance(600);
  expect((await c.get(`/api/v1/transcription/status/${callId}`)).body.status).toBe('completed');
  return r;
}

describe('retention window', () => {
  it('drops a job older than the window (404 CALL_NOT_FOUND) and keeps one inside it', async () => {
    const { a, c, s } = await started(WINDOW_S);
    await finished(a, c, 1);
    const oldEnough = Date.now();
    await until(Date.now, (t) => t > oldEnough + 2);
    const recent = await finished(a, c, 2);
    expect((await a.webhooks('?call_id=1')).body.deliveries[0].state).toBe('delivered');

    // a sweep one window after the first job finished: the first is past it, the second is not
    expect(s.retention.sweep(oldEnough + WINDOW_S * 1000)).toBeGreaterThan(0);

    const gone = await c.get('/api/v1/transcription/status/1');
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ error_code: 'CALL_NOT_FOUND', retryable: false });
    expect((await c.get('/api/v1/transcription/transcript/1')).status).toBe(404);
    expect((await a.jobs('?call_id=1')).body.jobs).toHaveLength(0);
    expect((await a.webhooks('?call_id=1')).body.deliveries).toHaveLength(0);

    expect((await c.get('/api/v1/transcription/status/2')).body.status).toBe('completed');
    expect((await c.get('/api/v1/transcription/transcript/2')).status).toBe(200);
    expect((await a.jobs('?call_id=2')).body.jobs).toHaveLength(1);
    expect((await a.webhooks('?call_id=2')).body.deliveries).toHaveLength(1);

    // idempotent replay inside the window still answers the stored job; past it the key is forgotten
    const replay = await c.transcribe(2, {}, { 'idempotency-key': 'key-2' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.task_id).toBe(recent.body.task_id);
    const forgotten = await c.transcribe(1, {}, { 'idempotency-key': 'key-1' });
    expect(forgotten.status).toBe(202);
    expect(forgotten.headers.get('idempotent-replayed')).toBeNull();
  });

  it('keeps a call while a later job of it runs, and drops it with that job', async () => {
    const { a, c, s } = await started(WINDOW_S);
    await finished(a, c, 3);
    expect((await c.post('/api/v1/analysis/start/3')).status).toBe(202);
    // the transcription is past the window, the analysis has not finished: the call stays
    s.retention.sweep(Date.now() + WINDOW_S * 1000);
    expect((await c.get('/api/v1/transcription/status/3')).status).toBe(200);
    await a.advance(600);
    expect((await c.get('/api/v1/analysis/status/3')).body.status).toBe('completed');
    s.retention.sweep(Date.now() + WINDOW_S * 1000);
    expect((await c.get('/api/v1/analysis/status/3')).status).toBe(404);
    expect((await c.get('/api/v1/transcription/status/3')).status).toBe(404);
  });

  it('sweeps by itself, periodically', async () => {
    const { a, c } = await started(0.05);
    await finished(a, c, 4);
    const r = await until(
      () => c.get('/api/v1/transcription/status/4'),
      (x) => x.status === 404,
      10_000,
    );
    expect(r.body.error.error_code).toBe('CALL_NOT_FOUND');
  });

  it('takes the window from SIMULATOR_RETENTION_S or --retention-s, and refuses a bad one', () => {
    expect(optionsFromCli([], {}).retentionS).toBeUndefined();
    expect(optionsFromCli([], { SIMULATOR_RETENTION_S: '120' }).retentionS).toBe(120);
    expect(optionsFromCli(['--retention-s', '30'], { SIMULATOR_RETENTION_S: '120' }).retentionS).toBe(30);
    expect(() => optionsFromCli([], { SIMULATOR_RETENTION_S: 'soon' })).toThrow(/SIMULATOR_RETENTION_S/);
    expect(() => optionsFromCli([], { SIMULATOR_RETENTION_S: '0' })).toThrow(/SIMULATOR_RETENTION_S/);
  });
});
