// The simulator sends only the error codes of the contract's closed catalogue (x-error-catalogue, D47),
// each with the catalogue's HTTP status, error_type and retryable: every code it can send is provoked
// here over HTTP (the failed jobs' codes through the status endpoints), and the catalogue is read from
// the contract, independently of the simulator's own copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { contractValidator, type Json, loadContract } from '../helpers/contracts.ts';
import { admin, otto, type Res, sim, token } from './helpers.ts';

const CATALOGUE = new Map<string, Json>(
  loadContract('shunya.openapi.yaml')['x-error-catalogue'].codes.map((c: Json) => [c.error_code, c]),
);
/** Shunya's own names in the catalogue that the simulator has no reason to use (it says INTERNAL_ERROR,
 * TOKEN_*, COMPANY_ID_MISMATCH instead, and has no roles or per-tenant features). */
const NOT_SENT = ['UNAUTHORIZED', 'FORBIDDEN', 'PERMISSION_DENIED', 'INTERNAL_SERVER_ERROR'];

const validator = contractValidator();
let h: SimulatorHandle;
let a: ReturnType<typeof admin>;
const seen = new Map<string, { status: number; type: string; retryable: boolean }>();

beforeAll(async () => {
  h = await sim();
  a = admin(h.url);
});
afterAll(() => h.close());

/** Records an error answer after checking it against the envelope schema. */
function record(r: Res): string {
  expect(validator.validate('shunya.openapi.yaml', '/components/schemas/ErrorEnvelope', r.body)).toEqual([]);
  const e = r.body.error;
  seen.set(e.error_code, { status: r.status, type: e.error_type, retryable: e.retryable });
  return e.error_code;
}

/** Records a failed job's error (no HTTP status of its own: the catalogue's is taken as given). */
function recordJobError(e: Json): string {
  expect(validator.validate('shunya.openapi.yaml', '/components/schemas/ErrorObject', e)).toEqual([]);
  seen.set(e.error_code, {
    status: CATALOGUE.get(e.error_code)?.http_status,
    type: e.error_type,
    retryable: e.retryable,
  });
  return e.error_code;
}

describe('errors the simulator sends', () => {
  it('authentication and tenancy', async () => {
    const url = `${h.url}/api/v1/transcription/status/1`;
    const get = async (headers: Record<string, string>) => {
      const r = await fetch(url, { headers });
      return { status: r.status, headers: r.headers, text: '', body: await r.json() } as Res;
    };
    expect(record(await get({ 'x-company-id': 'acme' }))).toBe('TOKEN_MISSING');
    expect(record(await get({ authorization: 'Bearer nonsense', 'x-company-id': 'acme' }))).toBe(
      'TOKEN_INVALID',
    );
    const expired = await token('acme', {
      iat: Math.floor(Date.now() / 1000) - 900,
      exp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(record(await get({ authorization: `Bearer ${expired}`, 'x-company-id': 'acme' }))).toBe(
      'TOKEN_EXPIRED',
    );
    expect(
      record(await get({ authorization: `Bearer ${await token('acme')}`, 'x-company-id': 'other' })),
    ).toBe('COMPANY_ID_MISMATCH');
    const c = otto(h.url, 'acme');
    expect(record(await c.transcribe(1, {}, { 'x-signature': 'f'.repeat(64) }))).toBe('SIGNATURE_INVALID');
  });

  it('requests, routes and calls', async () => {
    const c = otto(h.url, 'acme');
    expect(record(await c.post('/api/v1/transcription/transcribe', '{not json'))).toBe('BAD_REQUEST');
    expect(
      record(
        await c.post('/api/v1/transcription/transcribe', { call_id: 'x', audio_url: 'https://a/b.mp3' }),
      ),
    ).toBe('VALIDATION_ERROR');
    expect(record(await c.get('/api/v1/transcription/status/4040'))).toBe('CALL_NOT_FOUND');
    expect(record(await c.get('/api/v1/nowhere'))).toBe('NOT_FOUND');
    expect((await c.transcribe(2)).status).toBe(202);
    expect(record(await c.get('/api/v1/transcription/transcript/2'))).toBe('TRANSCRIPT_NOT_AVAILABLE');
    expect(record(await c.get('/api/v1/analysis/status/2'))).toBe('ANALYSIS_NOT_AVAILABLE');
    expect(record(await c.post('/api/v1/analysis/start/2'))).toBe('TRANSCRIPT_NOT_READY');
    expect(record(await c.post('/api/v1/meeting-segmentation/analyze', { call_id: 2 }))).toBe(
      'SEGMENTATION_NOT_APPLICABLE',
    );
    const key = { 'idempotency-key': 'catalogue-k' };
    expect((await c.transcribe(3, {}, key)).status).toBe(202);
    expect(record(await c.transcribe(4, {}, key))).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('audio', async () => {
    const c = otto(h.url, 'acme');
    const audio = (q: string) => c.transcribe(10, { audio_url: `https://r.example/${q}` });
    expect(record(await audio('a.mp3?http_status=404'))).toBe('INVALID_AUDIO_URL');
    expect(record(await audio('a.mp3?size_mb=200'))).toBe('AUDIO_TOO_LARGE');
    expect(record(await audio('a.mp3?duration_s=7300'))).toBe('AUDIO_TOO_LONG');
    expect(record(await audio('a.flac'))).toBe('UNSUPPORTED_AUDIO_FORMAT');
  });

  it('failed jobs, and analysis of a failed transcription', async () => {
    const c = otto(h.url, 'acme');
    await a.scenario('acme', 20, { fail: { transcription: true } });
    await a.scenario('acme', 21, { fail: { transcription: { retryable: false } } });
    await a.scenario('acme', 22, { fail: { analysis: true, segmentation: true } });
    await c.transcribe(20);
    await c.transcribe(21);
    await c.transcribe(22, { call_type: 'sales_call' });
    await a.advance(3600);
    expect(recordJobError((await c.get('/api/v1/transcription/status/20')).body.error)).toBe(
      'TRANSCRIPTION_FAILED',
    );
    expect(recordJobError((await c.get('/api/v1/transcription/status/21')).body.error)).toBe(
      'PERMANENT_FAILURE',
    );
    expect(record(await c.post('/api/v1/analysis/start/20'))).toBe('TRANSCRIPT_FAILED');
    await c.post('/api/v1/analysis/start/22');
    await c.post('/api/v1/meeting-segmentation/analyze', { call_id: 22 });
    await a.advance(3600);
    expect(recordJobError((await c.get('/api/v1/analysis/status/22')).body.error)).toBe('ANALYSIS_FAILED');
    expect(recordJobError((await c.get('/api/v1/meeting-segmentation/status/22')).body.error)).toBe(
      'SEGMENTATION_FAILED',
    );
  });

  it('limits and failures of Shunya itself', async () => {
    const c = otto(h.url, 'limited');
    await a.config({ tenants: { limited: { rate_limits: { requests_per_minute: 1 } } } });
    await c.get('/api/v1/transcription/status/1');
    const limited = await c.get('/api/v1/transcription/status/1');
    expect(record(limited)).toBe('RATE_LIMIT_EXCEEDED');
    expect(limited.headers.get('retry-after')).toMatch(/^[0-9]+$/);
    const x = otto(h.url, 'acme');
    await a.fault({ kind: 'error', count: 1 });
    expect(record(await x.get('/api/v1/transcription/status/1'))).toBe('INTERNAL_ERROR');
    await a.fault({ kind: 'error', count: 1, params: { status: 500, retryable: false } });
    expect(record(await x.get('/api/v1/transcription/status/1'))).toBe('PERMANENT_FAILURE');
    await a.fault({ kind: 'error', count: 1, params: { status: 503 } });
    expect(record(await x.get('/api/v1/transcription/status/1'))).toBe('SERVICE_UNAVAILABLE');
  });

  it('every code sent is catalogued with the catalogue’s status, type and retryable; every other code is sent', () => {
    const wrong = [...seen].filter(([code, s]) => {
      const c = CATALOGUE.get(code);
      return !c || c.http_status !== s.status || c.error_type !== s.type || c.retryable !== s.retryable;
    });
    expect(wrong).toEqual([]);
    expect([...seen.keys()].sort()).toEqual(
      [...CATALOGUE.keys()].filter((k) => !NOT_SENT.includes(k)).sort(),
    );
  });
});

describe('the check can fail', () => {
  it('a fault that names an uncatalogued code is caught', async () => {
    await a.fault({ kind: 'error', count: 1, params: { error_code: 'GPU_MELTED' } });
    const r = await otto(h.url, 'acme').get('/api/v1/transcription/status/1');
    expect(r.body.error.error_code).toBe('GPU_MELTED');
    expect(CATALOGUE.has('GPU_MELTED')).toBe(false);
    expect(
      validator.validate('shunya.openapi.yaml', '/components/schemas/ErrorEnvelope', r.body),
    ).not.toEqual([]);
  });
});
