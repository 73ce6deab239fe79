// OpenTelemetry traces end to end (D195-D198, D200): Otto exports to an OTLP/HTTP receiver in this process
// (http/json, decoded), and each call or visit is one trace: the trigger's server span, admission, each
// step, every Shunya attempt as a client span (a retry is a span of its own), polls, and the completions
// (a webhook's joins the job's trace and links the webhook's own request). A recording proxy in front of
// the simulator shows the `traceparent` Otto sends to Shunya.

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanyRow } from '../../src/domain/companies.ts';
import {
  buildCompany,
  callRailPayload,
  callRailSignature,
  postCallRail,
  tenantToken,
} from '../helpers/factories.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

const SERVER = 2;
const CLIENT = 3;

interface SeenRequest {
  method: string;
  path: string;
  traceparent: string | undefined;
}

/** Forwards to the simulator and records each request's method, path and traceparent. */
async function recordingProxy() {
  const seen: SeenRequest[] = [];
  let target = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        traceparent: req.headers.traceparent as string | undefined,
      });
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      const body = Buffer.concat(chunks);
      try {
        const r = await fetch(`${target}${req.url}`, {
          method: req.method ?? 'GET',
          headers,
          ...(body.length > 0 ? { body } : {}),
        });
        const out = Buffer.from(await r.arrayBuffer());
        const back: Record<string, string> = {};
        r.headers.forEach((v, k) => {
          if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k))
            back[k] = v;
        });
        res.writeHead(r.status, back);
        res.end(out);
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    setTarget: (t: string) => {
      target = t;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let s: Stack;
let otlp: OtlpReceiver;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
beforeAll(async () => {
  otlp = await startOtlpReceiver();
  proxy = await recordingProxy();
  s = await startStack({
    contractProxy: false,
    reading: 'tolerant',
    env: {
      UWC_BASE_URL: proxy.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=otto-tests',
      OTEL_SERVICE_NAME: 'otto-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  proxy.setTarget(s.sim.url);
}, 120_000);
afterAll(async () => {
  await s?.close();
  await proxy?.close();
  await otlp?.close();
});

const inTrace = (traceId: string) => otlp.spans.filter((sp) => sp.traceId === traceId);
const named = (spans: ReceivedSpan[], name: string) => spans.filter((sp) => sp.name === name);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((sp) => sp.parentSpanId === parent.spanId);
const only = (spans: ReceivedSpan[], what: string) => {
  expect(spans, what).toHaveLength(1);
  return spans[0] as ReceivedSpan;
};

/** The trace of a job: its stored trace context names it; waits until the last completion was exported. */
async function traceOfJob(jobId: string, lastStage: string) {
  const job = await s.db('shunya_jobs').where({ id: jobId }).first();
  const traceId = /^00-([0-9a-f]{32})-/.exec(job.trace_context ?? '')?.[1];
  expect(traceId, 'the job stores its trace context').toBeDefined();
  // the completion's span ends, and is exported, before the span it runs in (the webhook's request or the
  // poll that found the result): wait for that one too, or a loaded machine reads the trace without it
  await waitFor(async () => {
    const spans = inTrace(traceId as string);
    return spans.some(
      (sp) =>
        sp.name === `otto.complete ${lastStage}` &&
        sp.attributes['otto.verdict'] === 'processed' &&
        spans.some((parent) => parent.spanId === sp.parentSpanId),
    );
  }, `the ${lastStage} completion's span and the span it ran in`);
  return { traceId: traceId as string, spans: inTrace(traceId as string) };
}

async function csrCall(company: CompanyRow) {
  const res = await postCallRail(s.otto.url, company, callRailPayload(company));
  expect(res.status).toBe(202);
  const { call_id, job_id } = await res.json();
  const job = await terminalJob(s.db, { call_id }, 40_000);
  expect(job.job_status).toBe('succeeded');
  return job_id as string;
}

describe('one trace per call or visit', () => {
  it('a CSR call: the trigger, admission, each step with its Shunya requests, each webhook joined', async () => {
    const company = await buildCompany(s.db);
    const jobId = await csrCall(company);
    const { traceId, spans } = await traceOfJob(jobId, 'analysis');

    const root = only(named(spans, 'POST /webhooks/callrail/call.completed'), 'the trigger span');
    expect(root.kind).toBe(SERVER);
    expect(root.parentSpanId).toBe('');
    expect(root.service).toBe('otto-under-test');
    expect(named(childrenOf(spans, root), 'otto.admission').length).toBeGreaterThanOrEqual(1);

    for (const [stage, submit] of [
      ['transcription', 'POST /api/v1/transcription/transcribe'],
      ['analysis', 'POST /api/v1/analysis/start/{call_id}'],
    ] as const) {
      const step = only(named(childrenOf(spans, root), `otto.step ${stage}`), `the ${stage} step`);
      expect(step.attributes['otto.job_id']).toBe(jobId);
      const request = only(named(childrenOf(spans, step), submit), `the ${stage} submission`);
      expect(request.kind).toBe(CLIENT);
      expect(request.attributes).toMatchObject({
        'http.request.method': 'POST',
        'url.template': submit.slice(5),
        'otto.attempt': 1,
      });
      expect(Number(request.attributes['http.response.status_code'])).toBeLessThan(300);
      // Shunya's X-Request-ID of the answer (the simulator echoes the one Otto sent)
      expect(request.attributes['shunya.request_id']).toBe(request.attributes['otto.request_id']);
      // the traceparent Shunya received names this client span
      const sent = proxy.seen.filter((r) => r.traceparent?.includes(request.spanId));
      expect(sent).toHaveLength(1);
      expect(sent[0]?.traceparent).toBe(`00-${traceId}-${request.spanId}-01`);

      const done = only(
        named(spans, `otto.complete ${stage}`).filter((sp) => sp.attributes['otto.verdict'] === 'processed'),
        `the ${stage} completion`,
      );
      expect(done.parentSpanId).toBe(root.spanId);
      expect(done.attributes['otto.source']).toBe('webhook');
      // the webhook's own request is a trace of its own, linked from the completion
      const link = done.links[0];
      expect(link?.traceId).not.toBe(traceId);
      const webhook = only(
        otlp.spans.filter((sp) => sp.spanId === link?.spanId),
        'the linked webhook request',
      );
      expect(webhook.name).toBe('POST /api/v1/shunya/webhook');
      // and the webhook's trace leads back to the job's: its span links the completion it ran (D452)
      expect(webhook.links).toContainEqual({ traceId, spanId: done.spanId });
      // the rows the completion wrote
      expect(done.attributes['otto.domain_rows']).toEqual(
        expect.arrayContaining([stage === 'transcription' ? 'transcript' : 'analysis']),
      );
    }
    const analysed = named(spans, 'otto.complete analysis').find(
      (sp) => sp.attributes['otto.verdict'] === 'processed',
    );
    expect(analysed?.attributes['otto.events']).toEqual(expect.arrayContaining(['call.analyzed']));
    expect(analysed?.attributes['otto.job_ended']).toBe(true);
    // the exporter sent OTEL_EXPORTER_OTLP_HEADERS
    expect(otlp.posts.every((p) => p.headers['x-tenant'] === 'otto-tests')).toBe(true);
  }, 60_000);

  it('the ops API answers the trace id with the job', async () => {
    const company = await buildCompany(s.db);
    const jobId = await csrCall(company);
    const job = await s.db('shunya_jobs').where({ id: jobId }).first();
    const res = await fetch(`${s.otto.url}/api/v1/ops/jobs/${jobId}`, {
      headers: TEST_ADMIN,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).trace_id).toBe(job.trace_context.split('-')[1]);
  }, 60_000);

  it('a sales visit: the upload, then transcription, segmentation and analysis in one trace', async () => {
    const company = await buildCompany(s.db);
    const sessionId = randomUUID();
    const res = await fetch(`${s.otto.url}/api/v1/recording-sessions/${sessionId}/upload-audio`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await tenantToken(company.id, { role: 'sales_rep' })}`,
      },
      body: JSON.stringify({
        audio_url: `https://uploads.example.com/${sessionId}.m4a`,
        duration_seconds: 60,
      }),
    });
    expect(res.status).toBe(202);
    const { job_id } = await res.json();
    const job = await terminalJob(s.db, { recording_session_id: sessionId }, 40_000);
    expect(job.job_status).toBe('succeeded');
    const { spans } = await traceOfJob(job_id, 'analysis');
    const root = only(
      named(spans, 'POST /api/v1/recording-sessions/:session_id/upload-audio'),
      'the upload span',
    );
    expect(root.parentSpanId).toBe('');
    expect(named(childrenOf(spans, root), 'otto.admission').length).toBeGreaterThanOrEqual(1);
    for (const stage of ['transcription', 'segmentation', 'analysis']) {
      const step = only(named(childrenOf(spans, root), `otto.step ${stage}`), `the ${stage} step`);
      expect(childrenOf(spans, step).filter((sp) => sp.kind === CLIENT).length).toBeGreaterThanOrEqual(1);
      expect(named(spans, `otto.complete ${stage}`).length).toBeGreaterThanOrEqual(1);
    }
  }, 60_000);

  it('a call retried after a 503: two client spans of the same step, attempts 1 and 2', async () => {
    const company = await buildCompany(s.db);
    await s.admin('POST', '/faults', {
      kind: 'error',
      company_id: company.id,
      operations: ['transcribe'],
      count: 1,
      params: { status: 503, retryable: true },
    });
    const jobId = await csrCall(company);
    const { spans } = await traceOfJob(jobId, 'analysis');
    const step = only(named(spans, 'otto.step transcription'), 'the transcription step');
    const attempts = named(childrenOf(spans, step), 'POST /api/v1/transcription/transcribe').sort(
      (a, b) => Number(a.attributes['otto.attempt']) - Number(b.attributes['otto.attempt']),
    );
    expect(attempts.map((a) => a.attributes['otto.attempt'])).toEqual([1, 2]);
    expect(attempts[0]?.attributes['http.response.status_code']).toBe(503);
    expect(attempts[0]?.attributes['error.type']).toBe('503');
    // the refused attempt names Shunya's request id too: its error envelope's
    expect(attempts[0]?.attributes['shunya.request_id']).toBe(attempts[0]?.attributes['otto.request_id']);
    expect(Number(attempts[1]?.attributes['http.response.status_code'])).toBeLessThan(300);
    expect(attempts[1]?.attributes['http.request.resend_count']).toBe(1);
  }, 60_000);

  it('a job finished by polling: no webhook, the polls and their completion in the trace', async () => {
    const company = await buildCompany(s.db);
    await s.admin('POST', '/faults', { kind: 'webhook_drop', company_id: company.id, probability: 1 });
    const jobId = await csrCall(company);
    const { spans } = await traceOfJob(jobId, 'analysis');
    const root = only(named(spans, 'POST /webhooks/callrail/call.completed'), 'the trigger span');
    for (const stage of ['transcription', 'analysis']) {
      const polls = named(childrenOf(spans, root), `otto.poll ${stage}`);
      expect(polls.length, `the ${stage} polls`).toBeGreaterThanOrEqual(1);
      const done = only(
        named(spans, `otto.complete ${stage}`).filter((sp) => sp.attributes['otto.verdict'] === 'processed'),
        `the ${stage} completion`,
      );
      expect(done.attributes['otto.source']).toBe('poll');
      const poll = only(
        polls.filter((p) => p.spanId === done.parentSpanId),
        'the poll that found the result',
      );
      const asked = childrenOf(spans, poll).filter((sp) => sp.kind === CLIENT);
      expect(asked.map((sp) => sp.attributes['http.request.method'])).toEqual(['GET', 'GET']);
    }
    expect(named(spans, 'POST /api/v1/shunya/webhook')).toEqual([]);
  }, 60_000);

  // D281: the trigger and upload routes are public (the span starts before any authentication): a caller's
  // traceparent never chooses Otto's trace id or its sampling decision; it is linked, not continued
  describe("a caller's traceparent starts no trace of the caller's: a new trace, the caller linked", () => {
    const callerTrace = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const callerSpan = 'badc0de0badc0de0';

    /** The root span of a job's trace, with the job's stored trace context. */
    async function rootOf(where: Record<string, string>, name: string) {
      const job = await terminalJob(s.db, where, 40_000);
      const [, traceId, , flags] = (job.trace_context ?? '').split('-');
      expect(traceId, 'a trace of its own').not.toBe(callerTrace);
      expect(flags, 'sampled by Otto, whatever the caller asked').toBe('01');
      await waitFor(async () => named(inTrace(traceId), name).length === 1, `the ${name} span`);
      return only(named(inTrace(traceId), name), name);
    }

    for (const flags of ['01', '00']) {
      it(`the CallRail webhook, caller sampled flag ${flags}`, async () => {
        const company = await buildCompany(s.db);
        const raw = JSON.stringify(callRailPayload(company));
        const res = await fetch(`${s.otto.url}/webhooks/callrail/call.completed`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            signature: callRailSignature(company.callrail_signing_key, raw),
            traceparent: `00-${callerTrace}-${callerSpan}-${flags}`,
          },
          body: raw,
        });
        expect(res.status).toBe(202);
        const root = await rootOf(
          { call_id: (await res.json()).call_id },
          'POST /webhooks/callrail/call.completed',
        );
        expect(root.parentSpanId).toBe('');
        expect(root.links).toEqual([{ traceId: callerTrace, spanId: callerSpan }]);
      }, 60_000);
    }

    it('the upload of a sales visit', async () => {
      const company = await buildCompany(s.db);
      const sessionId = randomUUID();
      const res = await fetch(`${s.otto.url}/api/v1/recording-sessions/${sessionId}/upload-audio`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await tenantToken(company.id, { role: 'sales_rep' })}`,
          traceparent: `00-${callerTrace}-${callerSpan}-01`,
        },
        body: JSON.stringify({
          audio_url: `https://uploads.example.com/${sessionId}.m4a`,
          duration_seconds: 60,
        }),
      });
      expect(res.status).toBe(202);
      const root = await rootOf(
        { recording_session_id: sessionId },
        'POST /api/v1/recording-sessions/:session_id/upload-audio',
      );
      expect(root.parentSpanId).toBe('');
      expect(root.links).toEqual([{ traceId: callerTrace, spanId: callerSpan }]);
    }, 60_000);
  });
});
