// Circuit breakers (§9.1): per (endpoint template, tenant); 5 consecutive failures open; open rejects
// without calling Shunya; after 30 s one probe goes through; success closes, failure re-opens.
// cockatiel reads Date.now(), so the clock is moved with vi.setSystemTime (only Date is faked).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ShunyaCircuitOpenError, ShunyaServerError } from '../../../src/shunya/errors.ts';
import { newRequestOptions } from '../../../src/shunya/request-options.ts';
import { accepted, envelope, hang, json, networkError, type Recorded, testClient } from './fake-shunya.ts';

const T0 = Date.parse('2025-01-15T10:00:00.000Z');
const COMPLETE = 'GET /api/v1/analysis/complete/{call_id}';
const failing = () => envelope(500, 'INTERNAL_ERROR', 'server_error', true);
const ok = () => json(200, { summary: 's' });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** No in-process retries, so each call is one attempt and one breaker event. */
function breakerClient(
  answer: (req: Recorded) => Response | Error | Promise<Response | Error>,
  timeoutMs = 30_000,
) {
  return testClient((req) => answer(req), { retryDelaysMs: [], timeoutMs });
}

describe('circuit breaker', () => {
  it('opens after 5 consecutive failures and then rejects without calling Shunya', async () => {
    const t = breakerClient(failing);
    for (let i = 1; i <= 5; i++) {
      await expect(t.client.getCompleteAnalysis('co', i, newRequestOptions())).rejects.toBeInstanceOf(
        ShunyaServerError,
      );
      expect(t.client.breakerStates()[0]).toMatchObject({
        consecutive_failures: i,
        state: i < 5 ? 'closed' : 'open',
      });
    }
    const err = await t.client.getCompleteAnalysis('co', 99, newRequestOptions()).catch((e) => e);
    expect(err).toBeInstanceOf(ShunyaCircuitOpenError);
    expect(err).toMatchObject({
      retryable: true,
      retryAfterMs: 30_000,
      errorCode: 'CIRCUIT_OPEN',
      httpStatus: null,
    });
    expect(t.requests).toHaveLength(5);
    expect(t.client.breakerStates()).toEqual([
      {
        endpoint: COMPLETE,
        company_id: 'co',
        state: 'open',
        consecutive_failures: 5,
        opened_at: '2025-01-15T10:00:00.000Z',
      },
    ]);
  });

  it('counts timeouts and network errors; 4xx and 429 are answers and reset the count', async () => {
    const answers: ((req: Recorded) => Response | Error | Promise<Response>)[] = [
      networkError,
      hang,
      () => envelope(404, 'CALL_NOT_FOUND', 'not_found', false),
      networkError,
      () => envelope(429, 'RATE_LIMIT_EXCEEDED', 'rate_limit', true),
      hang,
      () => envelope(401, 'TOKEN_EXPIRED', 'authentication_error', false),
    ];
    const t = breakerClient(
      (req) => (answers[Number(req.path.split('/').pop()) - 1] as (r: Recorded) => Response)(req),
      20,
    );
    const counts: number[] = [];
    for (let i = 1; i <= answers.length; i++) {
      await t.client.getCompleteAnalysis('co', i, newRequestOptions()).catch(() => undefined);
      counts.push(t.client.breakerStates()[0]?.consecutive_failures ?? -1);
    }
    expect(counts).toEqual([1, 2, 0, 1, 0, 1, 0]);
  });

  it('counts every failed attempt of a retried operation and stops retrying when it opens', async () => {
    const t = testClient(failing);
    await expect(t.client.getCompleteAnalysis('co', 1, newRequestOptions())).rejects.toBeInstanceOf(
      ShunyaServerError,
    );
    expect(t.requests).toHaveLength(4);
    await expect(t.client.getCompleteAnalysis('co', 2, newRequestOptions())).rejects.toBeInstanceOf(
      ShunyaCircuitOpenError,
    );
    expect(t.requests).toHaveLength(5); // the 5th failure opened it: no retry, no pointless wait
    expect(t.sleeps).toEqual([5000, 10_000, 30_000]);
  });

  it('is per endpoint template, not per concrete path, and per tenant', async () => {
    const t = breakerClient((req) =>
      req.headers['x-company-id'] === 'co' && req.path.startsWith('/api/v1/analysis/complete')
        ? failing()
        : ok(),
    );
    for (let callId = 1; callId <= 5; callId++)
      await t.client.getCompleteAnalysis('co', callId, newRequestOptions()).catch(() => undefined);
    // Another call id on the same template: open.
    await expect(t.client.getCompleteAnalysis('co', 1000, newRequestOptions())).rejects.toBeInstanceOf(
      ShunyaCircuitOpenError,
    );
    // Another template, same tenant: closed.
    await expect(
      t.client.getAnalysisStatus('co', 1000, newRequestOptions()).catch((e) => e),
    ).resolves.not.toBeInstanceOf(ShunyaCircuitOpenError);
    // Same template, another tenant: closed.
    await expect(t.client.getCompleteAnalysis('other', 1000, newRequestOptions())).resolves.toEqual({
      summary: 's',
    });
    const states = t.client.breakerStates();
    expect(states.find((s) => s.company_id === 'co' && s.endpoint === COMPLETE)?.state).toBe('open');
    expect(states.find((s) => s.company_id === 'other' && s.endpoint === COMPLETE)?.state).toBe('closed');
    expect(states.find((s) => s.endpoint === 'GET /api/v1/analysis/status/{call_id}')?.state).toBe('closed');
  });

  it('half-open after the cooldown: one probe; success closes', async () => {
    let healthy = false;
    const t = breakerClient(() => (healthy ? ok() : failing()));
    for (let i = 0; i < 5; i++)
      await t.client.getCompleteAnalysis('co', 1, newRequestOptions()).catch(() => undefined);
    vi.setSystemTime(T0 + 29_999);
    await expect(t.client.getCompleteAnalysis('co', 1, newRequestOptions())).rejects.toMatchObject({
      retryAfterMs: 1,
    });
    expect(t.requests).toHaveLength(5);
    vi.setSystemTime(T0 + 30_000);
    expect(t.client.breakerStates()[0]?.state).toBe('half_open');
    healthy = true;
    await expect(t.client.getCompleteAnalysis('co', 1, newRequestOptions())).resolves.toEqual({
      summary: 's',
    });
    expect(t.client.breakerStates()[0]).toMatchObject({
      state: 'closed',
      consecutive_failures: 0,
      opened_at: null,
    });
  });

  it('half-open: a failed probe re-opens for another cooldown', async () => {
    const t = breakerClient(failing);
    for (let i = 0; i < 5; i++)
      await t.client.getCompleteAnalysis('co', 1, newRequestOptions()).catch(() => undefined);
    vi.setSystemTime(T0 + 30_000);
    await expect(t.client.getCompleteAnalysis('co', 1, newRequestOptions())).rejects.toBeInstanceOf(
      ShunyaServerError,
    );
    expect(t.requests).toHaveLength(6);
    expect(t.client.breakerStates()[0]).toMatchObject({
      state: 'open',
      opened_at: '2025-01-15T10:00:30.000Z',
    });
    vi.setSystemTime(T0 + 59_999);
    await expect(t.client.getCompleteAnalysis('co', 1, newRequestOptions())).rejects.toBeInstanceOf(
      ShunyaCircuitOpenError,
    );
    expect(t.requests).toHaveLength(6);
  });

  it('half-open lets exactly one probe through at a time', async () => {
    let release: (r: Response) => void = () => undefined;
    let probing = false;
    const t = breakerClient(() => {
      if (!probing) return failing();
      return new Promise<Response>((resolve) => {
        release = resolve;
      });
    });
    for (let i = 0; i < 5; i++)
      await t.client.getCompleteAnalysis('co', 1, newRequestOptions()).catch(() => undefined);
    vi.setSystemTime(T0 + 30_000);
    probing = true;
    const probe = t.client.getCompleteAnalysis('co', 1, newRequestOptions()).catch((e) => e);
    const second = t.client.getCompleteAnalysis('co', 2, newRequestOptions()).catch((e) => e);
    await vi.waitFor(() => expect(t.requests).toHaveLength(6));
    await new Promise((r) => setTimeout(r, 20));
    expect(t.requests).toHaveLength(6); // the second call waits for the probe
    expect(t.client.breakerStates()[0]?.state).toBe('half_open');
    release(failing());
    expect(await probe).toBeInstanceOf(ShunyaServerError);
    expect(await second).toBeInstanceOf(ShunyaCircuitOpenError);
    expect(t.requests).toHaveLength(6);
  });

  it('a 4xx probe is an answer: it closes the breaker', async () => {
    let answer = failing;
    const t = breakerClient(() => answer());
    for (let i = 0; i < 5; i++)
      await t.client.getCompleteAnalysis('co', 1, newRequestOptions()).catch(() => undefined);
    vi.setSystemTime(T0 + 30_000);
    answer = () => envelope(404, 'ANALYSIS_NOT_AVAILABLE', 'client_error', false);
    await t.client.getCompleteAnalysis('co', 1, newRequestOptions()).catch(() => undefined);
    expect(t.client.breakerStates()[0]?.state).toBe('closed');
  });

  it('the threshold and cooldown are configurable', async () => {
    const t = testClient(failing, { retryDelaysMs: [], breakerThreshold: 2, breakerCooldownMs: 1000 });
    for (let i = 0; i < 2; i++)
      await t.client.startAnalysis('co', 1, newRequestOptions()).catch(() => undefined);
    await expect(t.client.startAnalysis('co', 1, newRequestOptions())).rejects.toMatchObject({
      retryAfterMs: 1000,
    });
    vi.setSystemTime(T0 + 1000);
    await expect(t.client.startAnalysis('co', 1, newRequestOptions())).rejects.toBeInstanceOf(
      ShunyaServerError,
    );
    expect(t.requests).toHaveLength(3);
  });

  it('successes keep it closed (negative control)', async () => {
    const t = breakerClient(() => accepted());
    for (let i = 0; i < 10; i++) await t.client.startAnalysis('co', i + 1, newRequestOptions());
    expect(t.client.breakerStates()).toEqual([
      {
        endpoint: 'POST /api/v1/analysis/start/{call_id}',
        company_id: 'co',
        state: 'closed',
        consecutive_failures: 0,
        opened_at: null,
      },
    ]);
  });
});

// D101: each process has its own breakers and tells the others when one opens.
describe('a breaker opened in another process', () => {
  it('refuses calls here too until then, without calling Shunya, and says when it opens here', async () => {
    const opened: [string, string, number][] = [];
    const t = testClient(ok, {
      retryDelaysMs: [],
      onBreakerOpen: (e, c, until) => opened.push([e, c, until]),
    });
    t.client.breakerOpenedElsewhere(COMPLETE, 'co', T0 + 20_000);
    const err = await t.client.getCompleteAnalysis('co', 1, newRequestOptions()).catch((e) => e);
    expect(err).toBeInstanceOf(ShunyaCircuitOpenError);
    expect(err).toMatchObject({ retryAfterMs: 20_000 });
    expect(t.requests).toHaveLength(0);
    expect(t.client.breakerStates()).toEqual([
      {
        endpoint: COMPLETE,
        company_id: 'co',
        state: 'open',
        consecutive_failures: 0,
        opened_at: new Date(T0 + 20_000 - 30_000).toISOString(),
      },
    ]);
    // another tenant, another endpoint: untouched
    await expect(t.client.getCompleteAnalysis('other', 1, newRequestOptions())).resolves.toBeDefined();
    vi.setSystemTime(T0 + 20_001);
    await expect(t.client.getCompleteAnalysis('co', 2, newRequestOptions())).resolves.toBeDefined();
    expect(opened).toEqual([]);
  });

  it('tells the others, with the instant until which it is open', async () => {
    const opened: [string, string, number][] = [];
    const t = testClient(failing, {
      retryDelaysMs: [],
      onBreakerOpen: (e, c, until) => opened.push([e, c, until]),
    });
    for (let i = 1; i <= 5; i++)
      await t.client.getCompleteAnalysis('co', i, newRequestOptions()).catch(() => {});
    expect(opened).toEqual([[COMPLETE, 'co', T0 + 30_000]]);
  });
});
