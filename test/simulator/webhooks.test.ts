// Webhooks (§8): both payload profiles, signatures checked by the verifiers in helpers.ts (written
// independently of the simulator), at-least-once delivery with backoff against a receiver that fails
// then recovers, the delivery log, and every webhook fault.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { components } from '../../generated/sim-admin/schema.d.ts';
import { defaultSettings } from '../../simulator/config.ts';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { contractValidator, loadContract } from '../helpers/contracts.ts';
import {
  type Answer,
  admin,
  closedUrl,
  otto,
  type Received,
  receiver,
  sim,
  verifyHandoff,
  verifyShunya,
} from './helpers.ts';

const validator = contractValidator();
const schema = (name: string, v: unknown) =>
  validator.validate('shunya.openapi.yaml', `/components/schemas/${name}`, v);
/** Shunya's event profile is part of the tolerant reading only (D55). */
const tolerantSchema = (name: string, v: unknown) =>
  validator.validate('shunya.tolerant.openapi.yaml', `/components/schemas/${name}`, v);
/** The delivery policy as the contract states it, read here independently of the simulator's copy. */
const POLICY = loadContract('shunya.openapi.yaml')['x-webhook-delivery'];

type Rx = Awaited<ReturnType<typeof receiver>>;
let h: SimulatorHandle;
let a: ReturnType<typeof admin>;
let rx: Rx;
/** What the receiver answers; by default Otto's checks: signature, freshness, tenant. */
let respond: (n: number, r: Received) => Answer;
const ottoLike = (r: Received) => {
  const shunya = 'event_type' in r.body;
  if (!(shunya ? verifyShunya(r) : verifyHandoff(r))) return 401;
  if (Math.abs(Date.now() - Number(r.headers['x-shunya-timestamp'])) > 300_000) return 401;
  if (r.body.company_id !== 'acme' && r.body.company_id !== 'shunya_co') return 403;
  return 200;
};

beforeAll(async () => {
  rx = await receiver((n, r) => respond(n, r));
  // The contract's per-attempt timeout: a receiver in this process answers late on a loaded machine, and
  // a 300 ms one turned such answers into timeouts and extra retries (D501). The timeout test sets its own.
  h = await sim({ webhookUrl: rx.url });
  a = admin(h.url);
});
afterAll(async () => {
  await h.close();
  await rx.close();
});
afterEach(async () => {
  respond = (_n, r) => ottoLike(r);
  rx.received.length = 0;
  // Back to the settings, faults and (empty) state the simulator started with.
  await a.call('POST', '/reset');
});
respond = (_n, r) => ottoLike(r);

let nextCall = 1;
async function transcribe(company = 'acme') {
  const id = nextCall++;
  const r = await otto(h.url, company).transcribe(id, { call_type: 'sales_call' });
  expect(r.status).toBe(202);
  return { id, taskId: r.body.task_id as string };
}
type Delivery = components['schemas']['Delivery'];
const deliveries = async (q: string) => (await a.webhooks(q)).body.deliveries as Delivery[];
const delivery = async (q: string): Promise<Delivery> => {
  const [d] = await deliveries(q);
  if (!d) throw new Error(`no delivery for ${q}`);
  return d;
};

describe('handoff profile (§8)', () => {
  it('POSTs {shunya_job_id, status, company_id, result} signed over "{timestamp}.{raw body}"', async () => {
    const { id, taskId } = await transcribe();
    await a.advance(1);
    expect(rx.received).toHaveLength(1);
    const r = rx.received[0]!;
    expect(verifyHandoff(r)).toBe(true);
    expect(verifyHandoff(r, 'another-secret')).toBe(false);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-shunya-task-id']).toBe(taskId);
    expect(r.headers['x-shunya-timestamp']).toMatch(/^\d{13}$/);
    expect(Math.abs(Number(r.headers['x-shunya-timestamp']) - Date.now())).toBeLessThan(10_000);
    expect(r.headers['x-shunya-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(r.body).toMatchObject({
      shunya_job_id: taskId,
      status: 'completed',
      company_id: 'acme',
      result: { call_id: id, transcript_text: expect.any(String) },
    });
    expect(r.body.error).toBeNull();
    expect(schema('WebhookPayload', r.body)).toEqual([]);
    expect(schema('Transcript', r.body.result)).toEqual([]);

    const c = otto(h.url, 'acme');
    const an = await c.post(`/api/v1/analysis/start/${id}`);
    const seg = await c.post('/api/v1/meeting-segmentation/analyze', { call_id: id });
    await a.advance(1);
    const byId = new Map(rx.received.map((x) => [x.body.shunya_job_id, x]));
    const analysis = byId.get(an.body.job_id)!;
    const segmentation = byId.get(seg.body.job_id)!;
    expect(schema('CompleteAnalysis', analysis.body.result)).toEqual([]);
    expect(schema('MeetingSegmentation', segmentation.body.result)).toEqual([]);
    expect(segmentation.body.result).toEqual(
      (await c.get(`/api/v1/meeting-segmentation/analysis/${id}`)).body,
    );
    for (const x of rx.received) expect(verifyHandoff(x)).toBe(true);
  });

  it('reports a failed job with status failed and the ErrorObject', async () => {
    await a.scenario('acme', nextCall, {
      fail: { transcription: { error_code: 'TRANSCRIPTION_FAILED', retryable: true } },
    });
    const { taskId } = await transcribe();
    await a.advance(1);
    const r = rx.received[0]!;
    expect(verifyHandoff(r)).toBe(true);
    expect(r.body).toMatchObject({
      shunya_job_id: taskId,
      status: 'failed',
      error: { error_code: 'TRANSCRIPTION_FAILED', retryable: true },
    });
    expect(r.body.result).toBeNull();
    expect(schema('WebhookPayload', r.body)).toEqual([]);
  });
});

describe("Shunya's event profile", () => {
  beforeEach(() => a.config({ tenants: { shunya_co: { webhook_profile: 'shunya' } } }));

  it('POSTs {event_type, task_id, call_id, data} signed over "{timestamp}:{json.dumps(sort_keys=True)}"', async () => {
    const { id, taskId } = await transcribe('shunya_co');
    await a.advance(1);
    const r = rx.received[0]!;
    expect(verifyShunya(r)).toBe(true);
    expect(verifyHandoff(r)).toBe(false);
    expect(r.body).toMatchObject({
      event_type: 'call.transcription.complete',
      task_id: taskId,
      call_id: id,
      company_id: 'shunya_co',
      status: 'completed',
    });
    expect(tolerantSchema('EventWebhookPayload', r.body)).toEqual([]);
    expect(schema('WebhookPayload', r.body)).not.toEqual([]);
    // Written as Python writes it: ", " / ": " separators, floats keep ".0".
    expect(r.raw).toContain('"start_time": 0.0');
    expect(r.raw.startsWith('{"event_type": ')).toBe(true);
  });

  it('names analysis and segmentation events, and wraps a failure in the error envelope', async () => {
    await a.scenario('shunya_co', nextCall, { fail: { segmentation: true } });
    const { id } = await transcribe('shunya_co');
    await a.advance(1);
    const c = otto(h.url, 'shunya_co');
    await c.post(`/api/v1/analysis/start/${id}`);
    await c.post('/api/v1/meeting-segmentation/analyze', { call_id: id });
    await a.advance(1);
    const events = new Map(rx.received.map((r) => [r.body.event_type, r]));
    expect([...events.keys()].sort()).toEqual([
      'call.analysis.complete',
      'call.transcription.complete',
      'meeting.segmentation.failed',
    ]);
    const failed = events.get('meeting.segmentation.failed')!.body;
    expect(failed.error).toMatchObject({ success: false, error: { error_code: 'SEGMENTATION_FAILED' } });
    for (const r of rx.received) {
      expect(verifyShunya(r)).toBe(true);
      expect(tolerantSchema('EventWebhookPayload', r.body)).toEqual([]);
    }
  });
});

describe('the delivery policy of the contract (x-webhook-delivery, D48)', () => {
  /** The policy entry for a status: its exact key, else its class. */
  const entry = (status: number) =>
    POLICY.answers[String(status)] ?? POLICY.answers[`${Math.floor(status / 100)}xx`];

  it.each([400, 401, 403, 404, 408, 413, 418, 422, 429, 302, 500, 502, 503])(
    'an answer %i is retried exactly when the contract says so',
    async (status) => {
      respond = (n, r) => (n === 1 ? status : ottoLike(r));
      const { taskId } = await transcribe();
      await a.advance(0.001);
      for (let i = 0; i < 4; i++) await a.advance(2);
      const d = await delivery(`?job_id=${taskId}`);
      const retried = entry(status).retry as boolean;
      expect(d.attempts.map((x) => x.status)).toEqual(retried ? [status, 200] : [status]);
      expect(d.state).toBe(retried ? 'delivered' : 'failed');
    },
  );

  it.each([301, 307, 308])(
    'a %i with a Location is not followed: the attempt counts as failed and is retried (D540)',
    async (status) => {
      expect(entry(status).retry).toBe(true);
      respond = (n, r) => (n === 1 ? { status, headers: { location: rx.url } } : ottoLike(r));
      const { taskId } = await transcribe();
      await a.advance(0.001);
      for (let i = 0; i < 4; i++) await a.advance(2);
      const d = await delivery(`?job_id=${taskId}`);
      expect(d.attempts.map((x) => x.status)).toEqual([status, 200]);
      expect(d.state).toBe('delivered');
    },
  );

  it('sends the header lines fetch sent, in its order, and reuses the connection (D540)', async () => {
    const { taskId } = await transcribe();
    await a.advance(0.001);
    await a.advance(2);
    await transcribe();
    await a.advance(0.001);
    await a.advance(2);
    const [first, second] = rx.received;
    expect(first?.rawHeaders.filter((_, i) => i % 2 === 0)).toEqual([
      'host',
      'connection',
      'content-type',
      'user-agent',
      'x-shunya-signature',
      'x-shunya-timestamp',
      'x-shunya-task-id',
      'accept',
      'accept-language',
      'sec-fetch-mode',
      'accept-encoding',
      'content-length',
    ]);
    expect(first?.headers).toMatchObject({
      host: new URL(rx.url).host,
      connection: 'keep-alive',
      'content-type': 'application/json',
      'user-agent': 'shunya-simulator',
      'x-shunya-task-id': taskId,
      accept: '*/*',
      'accept-language': '*',
      'sec-fetch-mode': 'cors',
      'accept-encoding': 'gzip, deflate',
      'content-length': String(Buffer.byteLength(first?.raw ?? '')),
    });
    expect(second?.remotePort).toBe(first?.remotePort);
  });

  it('states every answer Otto gives, timeouts and connection errors included', () => {
    for (const k of ['2xx', '400', '401', '403', '404', '5xx', 'timeout', 'connection_error'])
      expect(typeof POLICY.answers[k]?.retry, k).toBe('boolean');
    expect(POLICY.answers['2xx'].retry).toBe(false);
    expect(POLICY.answers['5xx'].retry).toBe(true);
  });

  it('gives up after max_attempts', async () => {
    await a.config({ webhook_retry: { max_attempts: 3 } });
    respond = () => 500;
    const { taskId } = await transcribe();
    await a.advance(0.001);
    for (let i = 0; i < 8; i++) await a.advance(8);
    const d = await delivery(`?job_id=${taskId}`);
    expect(d.attempts).toHaveLength(3);
    expect(d.state).toBe('failed');
  });

  it("waits at least a 429's Retry-After before the next attempt", async () => {
    respond = (n, r) => (n === 1 ? { status: 429, headers: { 'retry-after': '30' } } : ottoLike(r));
    const { taskId } = await transcribe();
    await a.advance(0.01); // the job completes and the first attempt is answered
    await a.advance(0.01);
    expect((await delivery(`?job_id=${taskId}`)).attempts).toHaveLength(1);
    await a.advance(25);
    expect((await delivery(`?job_id=${taskId}`)).attempts).toHaveLength(1);
    await a.advance(6);
    const d = await delivery(`?job_id=${taskId}`);
    expect(d.attempts.map((x) => x.status)).toEqual([429, 200]);
    expect(d.attempts[0]!.retry_after).toBe(30);
  });

  it("defaults its schedule to the contract's", () => {
    expect(defaultSettings().webhook_retry).toEqual({
      initial_delay_s: POLICY.initial_delay_s,
      max_delay_s: POLICY.max_delay_s,
      jitter: POLICY.jitter,
      deadline_s: POLICY.give_up_after_s,
      max_attempts: POLICY.max_attempts,
      timeout_ms: POLICY.per_attempt_timeout_s * 1000,
    });
  });
});

describe('at-least-once delivery', () => {
  it('retries a receiver that fails, then recovers, with exponential backoff; every attempt is logged', async () => {
    respond = (n, r) => (n <= 3 ? [503, 500, 429][n - 1]! : ottoLike(r));
    const { taskId } = await transcribe();
    await a.advance(0.001);
    for (let i = 0; i < 6; i++) await a.advance(10);
    expect(rx.received.map((r) => r.body.shunya_job_id)).toEqual([taskId, taskId, taskId, taskId]);
    const d = await delivery(`?job_id=${taskId}`);
    expect(d.state).toBe('delivered');
    expect(d.attempts.map((x) => x.status)).toEqual([503, 500, 429, 200]);
    expect(d.attempts.every((x) => typeof x.latency_ms === 'number' && x.at && x.sent_at)).toBe(true);
    // The same body every time, a fresh timestamp and signature each time.
    expect(new Set(rx.received.map((r) => r.raw)).size).toBe(1);
    expect(rx.received.every((r) => verifyHandoff(r))).toBe(true);
  });

  it('spaces retries 1, 2, 4, 8 … virtual seconds apart (±20% jitter)', async () => {
    respond = () => 500;
    const { taskId } = await transcribe();
    const step = 0.25;
    await a.advance(0.001);
    // 20 s hold five attempts whatever the jitter draws (at most 1.2 × 15 s apart, a sixth at least
    // 0.8 × 31 s after the first): 16 s held five only for the draws of the tests before this one
    for (let t = 0; t < 20; t += step) await a.advance(step);
    const d = await delivery(`?job_id=${taskId}`);
    expect(d.state).toBe('retrying');
    const at = d.attempts.map((x) => Date.parse(x.at) / 1000) as number[];
    expect(at).toHaveLength(5);
    at.slice(1).forEach((t, i) => {
      const gap = t - at[i]!;
      expect(gap).toBeGreaterThanOrEqual(0.8 * 2 ** i - 0.01);
      expect(gap).toBeLessThanOrEqual(1.2 * 2 ** i + step + 0.01);
    });
  });

  it('records timeouts and connection errors, and gives up at the deadline', async () => {
    await a.config({
      webhook_retry: { deadline_s: 30 },
      tenants: { nowhere: { webhook_url: await closedUrl() } },
    });
    const { taskId } = await transcribe('nowhere');
    await a.advance(0.001);
    for (let i = 0; i < 8; i++) await a.advance(8);
    const d = await delivery(`?job_id=${taskId}`);
    expect(d.state).toBe('failed');
    expect(d.attempts.length).toBeGreaterThan(2);
    expect(d.attempts.every((x) => x.status === null && /ECONNREFUSED/.test(x.error ?? ''))).toBe(true);
  });

  it('times out an attempt that takes longer than timeout_ms', async () => {
    const { createServer } = await import('node:http');
    const hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const port = (hanging.address() as { port: number }).port;
    await a.config({
      webhook_retry: { timeout_ms: 300 },
      tenants: { slowco: { webhook_url: `http://127.0.0.1:${port}/hook` } },
    });
    const { taskId } = await transcribe('slowco');
    await a.advance(1);
    const d = await delivery(`?job_id=${taskId}`);
    expect(d.attempts[0]).toMatchObject({ status: null, error: expect.stringMatching(/Timeout|abort/i) });
    expect(d.attempts[0]!.latency_ms).toBeGreaterThanOrEqual(250);
    await new Promise<void>((r) => {
      hanging.close(() => r());
      hanging.closeAllConnections();
    });
  });
});

describe('webhook faults', () => {
  it('drop: the delivery is logged as dropped and never sent', async () => {
    await a.fault({ kind: 'webhook_drop', count: 1 });
    const first = await transcribe();
    const second = await transcribe();
    await a.advance(1);
    expect(rx.received.map((r) => r.body.shunya_job_id)).toEqual([second.taskId]);
    const d = await delivery(`?job_id=${first.taskId}`);
    expect(d).toMatchObject({ state: 'dropped', attempts: [], faults: ['webhook_drop'] });
  });

  it('duplicate: the same body is delivered twice', async () => {
    await a.fault({ kind: 'webhook_duplicate', count: 1 });
    const { taskId } = await transcribe();
    await a.advance(1);
    expect(rx.received).toHaveLength(2);
    expect(rx.received[0]!.raw).toBe(rx.received[1]!.raw);
    expect(rx.received.every((r) => r.body.shunya_job_id === taskId && verifyHandoff(r))).toBe(true);
    const ds = await deliveries(`?job_id=${taskId}`);
    expect(ds.map((d) => d.duplicate_of)).toEqual([null, ds[0]!.id]);
  });

  it('delay: the webhook comes delay_s virtual seconds late', async () => {
    await a.fault({ kind: 'webhook_delay', count: 1, params: { delay_s: 100 } });
    await transcribe();
    await a.advance(50);
    expect(rx.received).toHaveLength(0);
    await a.advance(60);
    expect(rx.received).toHaveLength(1);
  });

  it("reorder: a webhook is held until the tenant's next one has been sent", async () => {
    await a.fault({ kind: 'webhook_reorder', count: 1, params: { delay_s: 600 } });
    const first = await transcribe();
    await a.advance(1);
    expect(rx.received).toHaveLength(0);
    const second = await transcribe();
    await a.advance(1);
    await a.advance(0.001);
    expect(rx.received.map((r) => r.body.shunya_job_id)).toEqual([second.taskId, first.taskId]);
  });

  it('webhook_wrong_company: Otto refuses it (403), which x-webhook-delivery says not to retry', async () => {
    await a.fault({ kind: 'webhook_wrong_company', count: 1 });
    const { taskId } = await transcribe();
    await a.advance(1);
    await a.advance(5);
    expect(rx.received).toHaveLength(1);
    expect(verifyHandoff(rx.received[0]!)).toBe(true);
    expect(rx.received[0]!.body.company_id).not.toBe('acme');
    const d = await delivery(`?job_id=${taskId}`);
    expect(d.state).toBe('failed');
    expect(d.attempts.map((x) => [x.status, x.faults])).toEqual([[403, ['webhook_wrong_company']]]);
  });

  it.each([
    ['webhook_bad_signature', 401],
    ['webhook_stale_timestamp', 401],
  ])('%s: Otto refuses the first attempt (%i), the retry is good', async (kind, status) => {
    await a.fault({ kind, count: 1 });
    const { taskId } = await transcribe();
    await a.advance(1);
    await a.advance(5);
    expect(rx.received).toHaveLength(2);
    const [bad, good] = rx.received as [Received, Received];
    if (kind === 'webhook_bad_signature') expect(verifyHandoff(bad)).toBe(false);
    if (kind === 'webhook_stale_timestamp') {
      expect(verifyHandoff(bad)).toBe(true);
      expect(Date.now() - Number(bad.headers['x-shunya-timestamp'])).toBeGreaterThan(500_000);
    }
    expect(verifyHandoff(good)).toBe(true);
    expect(good.body.company_id).toBe('acme');
    const d = await delivery(`?job_id=${taskId}`);
    expect(d.attempts.map((x) => [x.status, x.faults])).toEqual([
      [status, [kind]],
      [200, []],
    ]);
  });

  it('payload faults reach webhook results too', async () => {
    await a.fault({
      kind: 'field_variants',
      operations: ['webhook'],
      count: 1,
      params: { variants: ['transcript'] },
    });
    await transcribe();
    await a.advance(1);
    expect(rx.received[0]!.body.result.transcript).toEqual(expect.any(String));
    expect(rx.received[0]!.body.result.transcript_text).toBeUndefined();
    expect(verifyHandoff(rx.received[0]!)).toBe(true);
  });
});
