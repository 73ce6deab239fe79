// A finished result untouched by payload faults and deviations is serialised once and kept for its webhook
// and the GET that follows it (D590). What Otto receives must not change: the GET's bytes and headers are
// what Koa's JSON.stringify of the object gave, the webhook's body is JSON.stringify of its payload, and
// everything that touches a result (a payload fault, a deviation, a webhook-only deviation, a malformed
// answer) still touches it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../../simulator/server.ts';
import { admin, otto, receiver, sim, verifyHandoff } from './helpers.ts';

type Rx = Awaited<ReturnType<typeof receiver>>;
let h: SimulatorHandle;
let a: ReturnType<typeof admin>;
let rx: Rx;

beforeAll(async () => {
  rx = await receiver();
  h = await sim({ webhookUrl: rx.url });
  a = admin(h.url);
});
afterAll(async () => {
  await h.close();
  await rx.close();
});
afterEach(async () => {
  rx.received.length = 0;
  await a.call('POST', '/reset');
});

let nextCall = 1;
/** A sales call transcribed and analysed, its two webhooks received. */
async function finishedCall(company = 'acme') {
  const id = nextCall++;
  const c = otto(h.url, company);
  const hookOf = (taskId: string) => {
    const r = rx.received.find((x) => x.body.shunya_job_id === taskId);
    if (!r) throw new Error(`no webhook for ${taskId}`);
    return r;
  };
  const t = await c.transcribe(id, { call_type: 'sales_call' });
  expect(t.status).toBe(202);
  await a.advance(1);
  const an = await c.post(`/api/v1/analysis/start/${id}`);
  expect(an.status).toBe(202);
  await a.advance(1);
  return { id, c, transcriptHook: hookOf(t.body.task_id), analysisHook: hookOf(an.body.job_id) };
}

describe("an untouched result's JSON, kept for its webhook and its GET (D590)", () => {
  it('the webhook carries the bytes the GET answers, and both are JSON.stringify of the object', async () => {
    const { id, c, transcriptHook, analysisHook } = await finishedCall();
    for (const [hook, path] of [
      [transcriptHook, `/api/v1/transcription/transcript/${id}`],
      [analysisHook, `/api/v1/analysis/complete/${id}`],
    ] as const) {
      const get = await c.get(path);
      expect(get.status).toBe(200);
      expect(get.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(get.headers.get('content-length')).toBe(String(Buffer.byteLength(get.text)));
      expect(get.text).toBe(JSON.stringify(get.body));
      expect(hook.raw).toBe(JSON.stringify(hook.body));
      expect(JSON.stringify(hook.body.result)).toBe(get.text);
      expect(Object.keys(hook.body)).toEqual([
        'shunya_job_id',
        'company_id',
        'status',
        'result',
        'error',
        'timestamp',
      ]);
      expect(verifyHandoff(hook)).toBe(true);
      // read again: the same bytes
      expect((await c.get(path)).text).toBe(get.text);
    }
  });

  it("another role's analysis is its own rendering, not the webhook's", async () => {
    // the role shows in Shunya's shape only (compliance.target_role)
    await a.config({ tenants: { acme: { payload_shape: 'shunya' } } });
    const { id, c, analysisHook } = await finishedCall();
    expect(JSON.stringify(analysisHook.body.result)).toContain('"target_role":"sales_rep"');
    const customer = await c.get(`/api/v1/analysis/complete/${id}`, { 'x-target-role': 'customer_rep' });
    expect(customer.status).toBe(200);
    expect(customer.text).toBe(JSON.stringify(customer.body));
    expect(customer.text).toContain('"target_role":"customer_rep"');
    expect(customer.text).not.toContain('"target_role":"sales_rep"');
    const sales = await c.get(`/api/v1/analysis/complete/${id}`);
    expect(sales.text).toBe(JSON.stringify(analysisHook.body.result));
  });

  it('a deviation that changes only the webhook still changes only the webhook', async () => {
    await a.config({ tenants: { acme: { deviations: ['webhook_result_differs'] } } });
    const { id, c, transcriptHook } = await finishedCall();
    const get = await c.get(`/api/v1/transcription/transcript/${id}`);
    expect(transcriptHook.body.result.word_count).toBe(get.body.word_count + 1);
  });

  it('a deviation of the result reaches the GET and the webhook', async () => {
    await a.config({ tenants: { acme: { deviations: ['field_alias'] } } });
    const { id, c, transcriptHook } = await finishedCall();
    const get = await c.get(`/api/v1/transcription/transcript/${id}`);
    expect(get.body.transcript).toEqual(expect.any(String));
    expect(get.body.transcript_text).toBeUndefined();
    expect(transcriptHook.body.result.transcript_text).toBeUndefined();
  });

  it('a payload fault on the GET alone leaves the webhook as it was', async () => {
    const { id, c, transcriptHook } = await finishedCall();
    await a.fault({ kind: 'shunya_shape', count: 1, operations: ['transcript'] });
    const get = await c.get(`/api/v1/transcription/transcript/${id}`);
    expect(get.body.speaker_labels[0].speaker).toBe('SPEAKER_01');
    expect(transcriptHook.body.result.speaker_labels[0].speaker).toBe('rep');
    const again = await c.get(`/api/v1/transcription/transcript/${id}`);
    expect(again.text).toBe(JSON.stringify(transcriptHook.body.result));
  });

  it("a fault that rewrites the webhook's payload rewrites it around the same result", async () => {
    await a.fault({ kind: 'webhook_wrong_company', count: 1, operations: ['transcription'] });
    const { id, c, transcriptHook } = await finishedCall();
    expect(transcriptHook.body.company_id).toBe('acme-other');
    expect(transcriptHook.raw).toBe(JSON.stringify(transcriptHook.body));
    expect(verifyHandoff(transcriptHook)).toBe(true);
    const get = await c.get(`/api/v1/transcription/transcript/${id}`);
    expect(JSON.stringify(transcriptHook.body.result)).toBe(get.text);
  });

  it("a malformed answer to a result's GET is the first half of the result's JSON, not of a quoted string", async () => {
    const { id, c } = await finishedCall();
    const whole = (await c.get(`/api/v1/transcription/transcript/${id}`)).text;
    await a.fault({ kind: 'malformed_json', count: 1, operations: ['transcript'] });
    const cut = await c.get(`/api/v1/transcription/transcript/${id}`);
    expect(cut.status).toBe(200);
    expect(cut.headers.get('content-type')).toMatch(/^application\/json/);
    expect(cut.text).toBe(whole.slice(0, Math.floor(whole.length / 2)));
  });
});
