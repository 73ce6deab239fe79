// Log lines carry the trace ids of the work they are written for, handed down without a context manager
// (D360, D450): the authentication-failure limiter's warnings carry the request's server span, and
// graphile-worker's own lines about a job (its "Completed task …") carry the span of the step that job ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { capturedLogger } from '../helpers/logs.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

const { logger, lines } = capturedLogger('debug');
let s: Stack;
let otlp: OtlpReceiver;
beforeAll(async () => {
  otlp = await startOtlpReceiver();
  s = await startStack({
    logger,
    contractProxy: false,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
}, 120_000);
afterAll(async () => {
  await s?.close();
  await otlp?.close();
});

/** The server span of the request Otto answered with `requestId`, once exported. */
async function serverSpanOf(requestId: string) {
  return waitFor(
    async () => otlp.spans.find((sp) => sp.attributes['otto.request_id'] === requestId),
    `the server span of request ${requestId}`,
  );
}

describe('log lines carry the trace of their request or step', () => {
  it("the limiter's warnings carry the span of the request that failed to authenticate", async () => {
    const company = await buildCompany(s.db);
    const callrail = await postCallRail(s.otto.url, company, callRailPayload(company), 'not-a-signature');
    expect(callrail.status).toBe(401);
    const operator = await fetch(`${s.otto.url}/api/v1/ops/jobs`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(operator.status).toBe(401);
    for (const res of [callrail, operator]) {
      const requestId = res.headers.get('x-request-id') as string;
      const span = await serverSpanOf(requestId);
      const warned = lines.filter((l) => l.msg === 'authentication failed' && l.request_id === requestId);
      expect(warned, `the warning about ${requestId}`).toHaveLength(1);
      expect(warned[0]).toMatchObject({ trace_id: span.traceId, span_id: span.spanId });
    }
  }, 60_000);

  it("graphile-worker's lines about a step's job carry the step's span", async () => {
    const company = await buildCompany(s.db);
    const res = await postCallRail(s.otto.url, company, callRailPayload(company));
    expect(res.status).toBe(202);
    const { call_id, job_id } = await res.json();
    const job = await terminalJob(s.db, { call_id }, 40_000);
    expect(job.job_status).toBe('succeeded');
    const traceId = (job.trace_context as string).split('-')[1] as string;
    const steps = await waitFor(async () => {
      const found = otlp.spans.filter((sp) => sp.traceId === traceId && sp.name.startsWith('otto.step '));
      return found.length >= 2 ? found : undefined;
    }, 'the two steps exported');
    type Job = { task_identifier?: string; payload?: { job_id?: string } };
    const completed = await waitFor(async () => {
      const found = lines.filter(
        (l) =>
          l.component === 'graphile-worker' &&
          /^Completed task/.test(l.msg ?? '') &&
          (l.job as Job | undefined)?.task_identifier === 'otto_advance' &&
          (l.job as Job | undefined)?.payload?.job_id === job_id,
      );
      return found.length >= 2 ? found : undefined;
    }, "graphile-worker's lines about the two steps");
    for (const line of completed) {
      expect(line.trace_id).toBe(traceId);
      expect(steps.map((sp) => sp.spanId)).toContain(line.span_id);
    }
  }, 60_000);
});
