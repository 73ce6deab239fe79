// Presets (happy, slow, flaky, outage, chaos) and per-tenant rate limits (§7.1, §11.2).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SLA_LATENCY } from '../../simulator/jobs/latency.ts';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { admin, otto, sim } from './helpers.ts';

let h: SimulatorHandle;
let a: ReturnType<typeof admin>;
beforeAll(async () => {
  h = await sim();
  a = admin(h.url);
});
afterAll(() => h.close());
afterEach(async () => {
  await a.call('POST', '/reset');
});

/** Sends `n` health requests, `parallel` at a time; counts the answers that are not a clean 200. A
 * request the `hang` fault holds is counted once every other request of its wave has answered: the
 * simulator then releases it (it ends without an answer), instead of a client timeout deciding, which a
 * loaded machine crossed with answers that were merely slow (D501). */
async function faultRate(n: number, parallel = 100): Promise<number> {
  let faulted = 0;
  const one = async () => {
    try {
      const r = await fetch(`${h.url}/health`);
      const body = await r.json().catch(() => null);
      if (r.status !== 200 || !body || body.status !== 'healthy') faulted++;
    } catch {
      faulted++;
    }
  };
  for (let i = 0; i < n; i += parallel) {
    const size = Math.min(parallel, n - i);
    let settled = 0;
    const wave = Promise.all(Array.from({ length: size }, () => one().finally(() => settled++)));
    while (settled < size) {
      if (settled + h.sim.hanging.size === size) for (const release of [...h.sim.hanging]) release();
      await Promise.race([wave, new Promise((r) => setTimeout(r, 20))]);
    }
    await wave;
  }
  return faulted / n;
}

describe('rate limits (per tenant)', () => {
  it('answers 429 with Retry-After over requests_per_minute, per tenant, until the minute ends', async () => {
    await a.config({ tenants: { acme: { rate_limits: { requests_per_minute: 3 } } } });
    const c = otto(h.url, 'acme');
    for (let i = 0; i < 3; i++) expect((await c.get('/api/v1/transcription/status/1')).status).toBe(404);
    const r = await c.get('/api/v1/transcription/status/1');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.body.error).toMatchObject({
      error_code: 'RATE_LIMIT_EXCEEDED',
      error_type: 'rate_limit_error',
      retryable: true,
      details: { limit: 3, retry_after: Number(r.headers.get('retry-after')) },
    });
    expect((await otto(h.url, 'globex').get('/api/v1/transcription/status/1')).status).toBe(404);
    await a.advance(60);
    expect((await c.get('/api/v1/transcription/status/1')).status).toBe(404);
  });

  it('answers 429 over max_concurrent_jobs until a job finishes', async () => {
    await a.config({ rate_limits: { max_concurrent_jobs: 2 } });
    const c = otto(h.url, 'acme');
    expect((await c.transcribe(1)).status).toBe(202);
    expect((await c.transcribe(2)).status).toBe(202);
    const r = await c.transcribe(3);
    expect(r.status).toBe(429);
    expect(r.body.error.details).toMatchObject({ limit: 2, window: 'concurrent jobs', in_flight: 2 });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await otto(h.url, 'globex').transcribe(3)).status).toBe(202);
    await a.advance(1);
    expect((await c.transcribe(3)).status).toBe(202);
  });
});

describe('presets', () => {
  it('happy: a few virtual milliseconds of latency, no faults, no limits', async () => {
    const r = await a.preset('happy');
    expect(r.status).toBe(200);
    expect(r.body.latency.transcription).toEqual({ model: 'fixed', seconds: 0.005 });
    expect(r.body.faults).toEqual([]);
    const c = otto(h.url, 'acme');
    await c.transcribe(1);
    await a.advance(0.01);
    expect((await c.get('/api/v1/transcription/status/1')).body.status).toBe('completed');
  });

  it('slow: the SLA latencies of §11.4', async () => {
    const r = await a.preset('slow');
    expect(r.body.latency).toEqual(SLA_LATENCY);
    const c = otto(h.url, 'acme');
    await c.transcribe(1, { audio_url: 'https://r.example/a.mp3?duration_s=600' });
    await a.advance(30);
    expect((await c.get('/api/v1/transcription/status/1')).body.status).toBe('processing');
    await a.advance(270);
    expect((await c.get('/api/v1/transcription/status/1')).body.status).toBe('completed');
  });

  it('flaky: about 10% of requests hit by mixed faults', async () => {
    const r = await a.preset('flaky', { latency: 'happy' });
    const kinds = new Set(r.body.faults.map((f: { kind: string }) => f.kind));
    for (const k of [
      'error',
      'rate_limit',
      'reset',
      'malformed_json',
      'success_false',
      'webhook_duplicate',
      'job_failure',
    ])
      expect(kinds).toContain(k);
    const rate = await faultRate(400);
    expect(rate).toBeGreaterThan(0.04);
    expect(rate).toBeLessThan(0.18);
  });

  it('outage: every request 503 (retryable, Retry-After) for N seconds, then recovery', async () => {
    await a.preset('outage', { seconds: 45 });
    const c = otto(h.url, 'acme');
    for (const r of [
      await c.transcribe(1),
      await c.get('/api/v1/analysis/status/1'),
      await c.get('/health'),
    ]) {
      expect(r.status).toBe(503);
      expect(r.body.error).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE', retryable: true });
      expect(r.headers.get('retry-after')).toBe('30');
    }
    await a.advance(44);
    expect((await c.get('/health')).status).toBe(503);
    await a.advance(2);
    expect((await c.get('/health')).status).toBe(200);
    expect((await c.transcribe(1)).status).toBe(202);
    // The control API is never subject to faults.
    expect((await a.call('GET', '/health')).status).toBe(200);
  });

  it('chaos: every fault kind at once, at least 20% of requests hit, rate limits on', async () => {
    const r = await a.preset('chaos');
    const kinds = new Set(r.body.faults.map((f: { kind: string }) => f.kind));
    expect([...kinds].sort()).toEqual(
      [
        'latency',
        'error',
        'rate_limit',
        'hang',
        'reset',
        'malformed_json',
        'success_false',
        'field_variants',
        'shunya_shape',
        'missing_optional',
        'nulls',
        'numbers_as_strings',
        'webhook_drop',
        'webhook_duplicate',
        'webhook_delay',
        'webhook_reorder',
        'webhook_bad_signature',
        'webhook_stale_timestamp',
        'webhook_wrong_company',
        'job_failure',
      ].sort(),
    );
    expect(r.body.rate_limits).toEqual({ requests_per_minute: 1200, max_concurrent_jobs: 50 });
    const rate = await faultRate(300);
    expect(rate).toBeGreaterThanOrEqual(0.2);
    expect(rate).toBeLessThan(0.5);
  });

  it('presets compose (happy then flaky) and reset restores the start', async () => {
    await a.preset('happy');
    await a.preset('flaky');
    const cfg = (await a.call('GET', '/config')).body;
    expect(cfg.presets).toEqual(['happy', 'flaky']);
    expect(cfg.latency.analysis).toEqual({ model: 'fixed', seconds: 0.005 });
    await a.call('POST', '/reset');
    expect((await a.call('GET', '/config')).body.presets).toEqual(['happy']);
    expect((await a.call('GET', '/faults')).body.rules).toEqual([]);
  });

  it('refuses an unknown preset', async () => {
    expect((await a.preset('calm')).status).toBe(400);
  });
});
