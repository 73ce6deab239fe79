// The UWC client over real HTTP against `prism mock` of the strict contract (contracts/shunya.openapi.yaml)
// and of its tolerant reading (shunya.tolerant.openapi.yaml): every operation's request passes Prism's
// validation (Prism answers 422 with `sl-violations` otherwise), and every answer normalises. Tests pick
// Prism's response with a `Prefer` header added by a fetch wrapper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShunyaClient, type ShunyaClientOptions } from '../../src/shunya/client.ts';
import { ShunyaClientError, ShunyaRateLimitError, ShunyaServerError } from '../../src/shunya/errors.ts';
import { normalizeCompleteAnalysis } from '../../src/shunya/normalize/analysis.ts';
import { normalizeSegmentation } from '../../src/shunya/normalize/segmentation.ts';
import { normalizeTranscript } from '../../src/shunya/normalize/transcript.ts';
import { newRequestOptions } from '../../src/shunya/request-options.ts';
import { freePort } from '../../src/util/net.ts';
import { bin, type Proc, start } from '../helpers/spawn.ts';

const prisms: Proc[] = [];
let baseUrl: string;
let tolerantUrl: string;

async function mock(contract: string): Promise<string> {
  const port = await freePort();
  prisms.push(
    await start(
      bin('prism'),
      ['mock', contract, '-h', '127.0.0.1', '-p', String(port)],
      /Prism is listening/,
      {
        timeoutMs: 90_000,
      },
    ),
  );
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  [baseUrl, tolerantUrl] = await Promise.all([
    mock('contracts/shunya.openapi.yaml'),
    mock('contracts/shunya.tolerant.openapi.yaml'),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(prisms.map((p) => p.stop()));
});

interface Seen {
  status: number;
  violations: string | null;
}

/** A client over real fetch; `prefer` selects Prism's response; sleeps are recorded, not waited. */
function client(prefer?: string, over: Partial<ShunyaClientOptions> = {}) {
  const seen: Seen[] = [];
  const sleeps: number[] = [];
  const wrapped = async (input: Request | string | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (prefer) req.headers.set('Prefer', prefer);
    const res = await fetch(req);
    seen.push({ status: res.status, violations: res.headers.get('sl-violations') });
    return res;
  };
  const c = createShunyaClient({
    baseUrl,
    jwtSecret: 'integration-jwt-secret-0123',
    hmacSecret: 'integration-hmac-secret-0123',
    jwtIssuer: 'otto-backend',
    jwtAudience: 'uwc',
    version: 'v1',
    timeoutMs: 10_000,
    retryDelaysMs: [5000, 10_000, 30_000],
    retryJitter: 0.2,
    breakerThreshold: 5,
    breakerCooldownMs: 30_000,
    fetch: wrapped as typeof fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
  return { c, seen, sleeps };
}

const CO = 'company_abc123';

describe('the client against Prism', () => {
  it('every operation passes validation and its answer normalises', async () => {
    const { c, seen } = client();
    expect(await c.health(newRequestOptions())).toEqual({ status: 'healthy' });
    expect(
      await c.transcribe(
        CO,
        { call_id: 12345, audio_url: 'https://s3.example.com/a.mp3', call_type: 'csr_call' },
        newRequestOptions(),
      ),
    ).toEqual({
      shunya_job_id: 'shunya_task_12345',
      transcript_id: 67890,
    });
    expect((await c.getTranscriptionStatus(CO, 12345, newRequestOptions())).state).toMatch(
      /^(queued|processing|completed)$/,
    );
    expect(normalizeTranscript(await c.getTranscript(CO, 12345, newRequestOptions()))).toMatchObject({
      ok: true,
      value: { call_id: 12345 },
    });
    expect(await c.startAnalysis(CO, 12345, newRequestOptions())).toMatchObject({
      shunya_job_id: 'shunya_job_12345',
    });
    expect((await c.getAnalysisStatus(CO, 12345, newRequestOptions())).state).toBe('processing');
    expect(
      normalizeCompleteAnalysis(await c.getCompleteAnalysis(CO, 12345, newRequestOptions())),
    ).toMatchObject({
      ok: true,
      value: { qualification: { call_outcome_category: 'qualified_and_booked' } },
    });
    const seg = await c.analyzeSegmentation(CO, { call_id: 12346 }, newRequestOptions());
    expect(seg).toEqual({
      mode: 'async',
      submitted: { shunya_job_id: 'shunya_seg_12346', transcript_id: null },
    });
    expect((await c.getSegmentationStatus(CO, 12346, newRequestOptions())).state).toBe('completed');
    expect(
      normalizeSegmentation(await c.getSegmentationAnalysis(CO, 12346, newRequestOptions())),
    ).toMatchObject({ ok: true, value: { outcome: 'won' } });
    expect(seen).toHaveLength(10);
    // the submissions answer 202 (the strict contract), the reads 200
    expect(seen.map((s) => s.status)).toEqual([200, 202, 200, 200, 202, 200, 200, 202, 200, 200]);
    expect(seen.every((s) => s.violations === null)).toBe(true);
  }, 60_000);

  it('synchronous segmentation (200, the tolerant reading)', async () => {
    const { c, seen } = client('code=200', { baseUrl: tolerantUrl });
    const seg = await c.analyzeSegmentation(CO, { call_id: 12346 }, newRequestOptions());
    expect(seg.mode).toBe('sync');
    expect(normalizeSegmentation(seg.mode === 'sync' ? seg.result : null)).toMatchObject({
      ok: true,
      value: { outcome: 'won' },
    });
    expect(seen[0]?.violations).toBeNull();
  });

  it("Shunya's own analysis shape normalises too (the tolerant reading)", async () => {
    const { c } = client('example=shunyaShape', { baseUrl: tolerantUrl });
    const r = normalizeCompleteAnalysis(await c.getCompleteAnalysis(CO, 123, newRequestOptions()));
    expect(r).toMatchObject({
      ok: true,
      value: {
        sentiment_score: 0.75,
        compliance: { compliance_score: 8.5 },
        missed_opportunities: [{ type: 'cross_sell' }],
      },
    });
  });

  it('asynchronous segmentation (202) with a quick analysis', async () => {
    const { c, seen } = client('code=202');
    expect(
      await c.analyzeSegmentation(CO, { call_id: 12346, analysis_type: 'quick' }, newRequestOptions()),
    ).toEqual({
      mode: 'async',
      submitted: { shunya_job_id: 'shunya_seg_12346', transcript_id: null },
    });
    expect(seen[0]?.violations).toBeNull();
  });

  it('409 TRANSCRIPT_NOT_READY: a typed client error, retryable for the job layer, not retried', async () => {
    const { c, seen } = client('code=409');
    const err = await c.startAnalysis(CO, 12345, newRequestOptions()).catch((e) => e);
    expect(err).toBeInstanceOf(ShunyaClientError);
    expect(err).toMatchObject({ errorCode: 'TRANSCRIPT_NOT_READY', retryable: true, httpStatus: 409 });
    expect(seen).toHaveLength(1);
  });

  it('503 is retried three times, then a server error', async () => {
    const { c, seen, sleeps } = client('code=503');
    await expect(c.getCompleteAnalysis(CO, 1, newRequestOptions())).rejects.toBeInstanceOf(ShunyaServerError);
    expect(seen).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it('429 is retried', async () => {
    const { c, seen } = client('code=429');
    await expect(c.getTranscriptionStatus(CO, 1, newRequestOptions())).rejects.toBeInstanceOf(
      ShunyaRateLimitError,
    );
    expect(seen).toHaveLength(4);
  });

  it('Prism does validate (negative control: an X-UWC-Version outside the contract is refused)', async () => {
    const { c, seen } = client(undefined, { version: 'v2' });
    await expect(c.getCompleteAnalysis(CO, 1, newRequestOptions())).rejects.toBeInstanceOf(ShunyaClientError);
    expect(seen[0]?.status).toBe(422);
  });
});
