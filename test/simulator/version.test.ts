// X-UWC-Version (D182, contract x-implementation.versioning): absent or v1 is served; any other value is
// 400 VALIDATION_ERROR naming the header and the supported versions, checked after authentication (an
// unknown version with no token is still 401) and stored by idempotency like any non-retryable refusal.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { otto, sim } from './helpers.ts';

let h: SimulatorHandle;
beforeAll(async () => {
  h = await sim();
});
afterAll(() => h.close());

describe('X-UWC-Version', () => {
  it('v1 and an absent header are served', async () => {
    const o = otto(h.url, 'ver_a');
    expect((await o.transcribe(101)).status).toBe(202);
    expect((await o.transcribe(102, {}, { 'x-uwc-version': '' })).status).toBe(202);
  });

  it('an unknown version is 400 VALIDATION_ERROR naming the header and v1', async () => {
    const r = await otto(h.url, 'ver_a').transcribe(103, {}, { 'x-uwc-version': 'v2' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      error_code: 'VALIDATION_ERROR',
      error_type: 'client_error',
      retryable: false,
      details: { field: 'X-UWC-Version', supported: ['v1'] },
    });
    const status = await otto(h.url, 'ver_a').get('/api/v1/transcription/status/101', {
      'x-uwc-version': 'v0',
    });
    expect(status.status).toBe(400);
  });

  it('comes after authentication', async () => {
    const r = await fetch(`${h.url}/api/v1/transcription/status/1`, { headers: { 'x-uwc-version': 'v2' } });
    expect(r.status).toBe(401);
  });

  it('is replayed under its Idempotency-Key like any stored refusal', async () => {
    const key = randomUUID();
    const o = otto(h.url, 'ver_b');
    const first = await o.transcribe(104, {}, { 'x-uwc-version': 'v2', 'idempotency-key': key });
    const again = await o.transcribe(104, {}, { 'x-uwc-version': 'v1', 'idempotency-key': key });
    expect(first.status).toBe(400);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});
