// The simulator behind `prism proxy --errors`: every operation, valid requests, the documented refusals —
// and no contract violation. The simulator's default configuration is checked against the strict
// contract (contracts/shunya.openapi.yaml); its tolerant modes (Shunya's payload shape, synchronous
// segmentation, 200 for submissions) against the tolerant reading (shunya.tolerant.openapi.yaml), and
// the strict contract refuses them. Prism 5.14
// reports a violation with an `sl-violations` header (request and response) and, with --errors, turns
// a response violation into `500 application/problem+json` of type VIOLATIONS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { freePort } from '../../src/util/net.ts';
import { contractValidator } from '../helpers/contracts.ts';
import { bin, type Proc, start } from '../helpers/spawn.ts';
import { admin, otto, type Res, sim, token } from './helpers.ts';

const validator = contractValidator();
let h: SimulatorHandle;
const prisms: Proc[] = [];
/** Prism in front of the simulator with the strict contract, and with the tolerant reading. */
let strict: string;
let tolerant: string;
let a: ReturnType<typeof admin>;

async function proxy(contract: string): Promise<string> {
  const port = await freePort();
  prisms.push(
    await start(
      bin('prism'),
      ['proxy', '--errors', contract, h.url, '-h', '127.0.0.1', '-p', String(port)],
      /Prism is listening/,
      { timeoutMs: 90_000 },
    ),
  );
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  h = await sim();
  a = admin(h.url);
  await a.config({
    tenants: {
      shunya_co: { payload_shape: 'shunya', submission_status: 200 },
      sync_co: { segmentation_mode: 'sync' },
    },
  });
  [strict, tolerant] = await Promise.all([
    proxy('contracts/shunya.openapi.yaml'),
    proxy('contracts/shunya.tolerant.openapi.yaml'),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all(prisms.map((p) => p.stop()));
  await h?.close();
});

interface Violation {
  location: string[];
  severity: string;
  message: string;
}

function violations(r: Res): Violation[] {
  const header = r.headers.get('sl-violations');
  let list: Violation[] = [];
  try {
    list = header ? JSON.parse(header) : [];
  } catch {
    list = [{ location: ['response'], severity: 'Error', message: header ?? '' }]; // "Too many violations…"
  }
  if (r.status === 500 && r.headers.get('content-type')?.includes('problem+json'))
    list.push(...(r.body?.validation ?? [{ location: ['response'], severity: 'Error', message: r.text }]));
  return list;
}

/** The answer passed Prism untouched: no violation of request or response. */
function clean(r: Res, status: number): Res {
  expect(violations(r), `${status}: ${r.text.slice(0, 3000)}`).toEqual([]);
  expect(r.status).toBe(status);
  return r;
}

describe.each([
  ['handoff_co', 'strict'],
  ['shunya_co', 'tolerant'],
] as const)('every operation through Prism (%s, the %s reading)', (company, reading) => {
  it('transcription, analysis and segmentation, status and results, without a violation', async () => {
    const via = reading === 'strict' ? strict : tolerant;
    const accepted = company === 'shunya_co' ? 200 : 202;
    const c = otto(via, company);
    clean(await c.get('/health'), 200);
    clean(
      await c.transcribe(
        1,
        { call_type: 'csr_call', language: 'en-US', model: 'default' },
        { 'idempotency-key': `${company}-1` },
      ),
      accepted,
    );
    clean(await c.transcribe(2, { call_type: 'sales_call' }), accepted);
    clean(await c.get('/api/v1/transcription/status/1'), 200);
    clean(await c.get('/api/v1/transcription/transcript/1'), 404);
    clean(await c.post('/api/v1/analysis/start/1'), 409);
    await a.advance(1);
    clean(await c.get('/api/v1/transcription/status/1'), 200);
    clean(await c.get('/api/v1/transcription/transcript/1'), 200);
    clean(await c.get('/api/v1/transcription/transcript/2'), 200);

    for (const id of [1, 2])
      clean(
        await c.post(`/api/v1/analysis/start/${id}`, undefined, { 'idempotency-key': `${company}-a${id}` }),
        accepted,
      );
    clean(await c.get('/api/v1/analysis/status/1'), 200);
    clean(await c.get('/api/v1/analysis/complete/1'), 404);
    clean(
      await c.post('/api/v1/meeting-segmentation/analyze', { call_id: 2, analysis_type: 'full' }),
      accepted,
    );
    clean(await c.get('/api/v1/meeting-segmentation/status/2'), 200);
    clean(await c.get('/api/v1/meeting-segmentation/analysis/2'), 404);
    await a.advance(1);
    clean(await c.get('/api/v1/analysis/status/1'), 200);
    const csr = clean(await c.get('/api/v1/analysis/complete/1', { 'x-target-role': 'customer_rep' }), 200);
    const sales = clean(await c.get('/api/v1/analysis/complete/2'), 200);
    const shape =
      company === 'shunya_co'
        ? 'hot|warm|cold|unqualified'
        : 'qualified_booked|qualified_unbooked|qualified_service_not_offered|not_qualified';
    for (const r of [csr, sales])
      expect(r.body.qualification.qualification_status).toMatch(new RegExp(`^(${shape})$`));
    clean(await c.get('/api/v1/meeting-segmentation/status/2'), 200);
    clean(await c.get('/api/v1/meeting-segmentation/analysis/2'), 200);
  });
});

describe('the strict contract refuses the tolerant modes', () => {
  it("Shunya's payload shape and a 200 for a submission are violations of the strict contract", async () => {
    const c = otto(strict, 'shunya_co');
    const submitted = await c.transcribe(30, { call_type: 'csr_call' });
    expect(submitted.status).toBe(500);
    expect(violations(submitted).some((v) => v.location[0] === 'response')).toBe(true);
    await a.advance(1);
    const transcript = await c.get('/api/v1/transcription/transcript/30');
    expect(transcript.status).toBe(500);
    expect(violations(transcript).some((v) => v.location[0] === 'response')).toBe(true);
  });
});

describe('documented refusals through Prism', () => {
  const c = () => otto(strict, 'refusals');

  it('401, 403, 404, 409, 422 and 429 are contract envelopes (and 400 outside Prism)', async () => {
    const x = c();
    clean(await x.transcribe(10, { call_type: 'csr_call' }), 202);
    clean(await x.transcribe(11, { audio_url: 'https://r.example/a.mp3?size_mb=200' }), 422);
    clean(await x.transcribe(11, { audio_url: 'https://r.example/a.flac' }), 422);
    clean(await x.transcribe(10, { call_type: 'sales_call' }, { 'idempotency-key': 'r-1' }), 202);
    clean(await x.transcribe(12, {}, { 'idempotency-key': 'r-1' }), 409);
    clean(await x.get('/api/v1/transcription/status/404404'), 404);
    clean(await x.get('/api/v1/analysis/status/10'), 404);
    clean(await x.post('/api/v1/meeting-segmentation/analyze', { call_id: 404404 }), 404);
    await a.advance(1);
    clean(await otto(strict, 'refusals').transcribe(13, { call_type: 'csr_call' }), 202);
    await a.advance(1);
    clean(await x.post('/api/v1/meeting-segmentation/analyze', { call_id: 13 }), 422);

    const expired = await token('refusals', {
      iat: Math.floor(Date.now() / 1000) - 900,
      exp: Math.floor(Date.now() / 1000) - 600,
    });
    clean(await x.get('/api/v1/transcription/status/10', { authorization: `Bearer ${expired}` }), 401);
    clean(await x.get('/api/v1/transcription/status/10', { 'x-company-id': 'someone-else' }), 403);

    // Prism answers an invalid request itself (422, without proxying), so the simulator's 400 is
    // checked against the contract directly.
    const bad = await otto(h.url, 'refusals').post('/api/v1/transcription/transcribe', {
      call_id: 'x',
      audio_url: 'https://r.example/a.mp3',
    });
    expect(bad.status).toBe(400);
    expect(
      validator.validate(
        'shunya.openapi.yaml',
        '/components/responses/BadRequest/content/application~1json/schema',
        bad.body,
      ),
    ).toEqual([]);
    const prismRefusal = await x.post('/api/v1/transcription/transcribe', {
      call_id: 'x',
      audio_url: 'https://r.example/a.mp3',
      call_type: 'csr_call',
    });
    expect(prismRefusal.status).toBe(422);
    expect(prismRefusal.body.type).toMatch(/UNPROCESSABLE_ENTITY/);
    expect(prismRefusal.body.validation[0].location).toEqual(['body', 'call_id']);

    await a.config({ tenants: { refusals: { rate_limits: { requests_per_minute: 1 } } } });
    await x.get('/api/v1/transcription/status/10');
    const limited = clean(await x.get('/api/v1/transcription/status/10'), 429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    await a.config({ tenants: { refusals: null } });
  });

  it('sync segmentation (200 MeetingSegmentation, tolerant reading) and 500/503 faults are contract answers', async () => {
    const x = otto(tolerant, 'sync_co');
    clean(await x.transcribe(20, { call_type: 'sales_call' }), 202);
    await a.advance(1);
    clean(await x.post('/api/v1/meeting-segmentation/analyze', { call_id: 20 }), 200);
    await a.fault({ kind: 'error', count: 1, params: { status: 503, retry_after_s: 3 } });
    clean(await otto(strict, 'sync_co').get('/api/v1/meeting-segmentation/status/20'), 503);
    await a.fault({ kind: 'error', count: 1, params: { status: 500, retryable: false } });
    clean(await otto(strict, 'sync_co').get('/api/v1/meeting-segmentation/analysis/20'), 500);
  });

  it('catches a violation (so this suite can fail): the §6 field-name variations break the contract', async () => {
    const x = otto(strict, 'sync_co');
    await a.fault({ kind: 'field_variants', count: 1, params: { variants: ['transcript'] } });
    const r = await x.get('/api/v1/transcription/transcript/20');
    expect(r.status).toBe(500);
    expect(r.body.type).toMatch(/VIOLATIONS/);
    expect(violations(r).some((v) => v.location[0] === 'response')).toBe(true);
  });
});
