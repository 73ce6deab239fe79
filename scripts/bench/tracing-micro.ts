// `node --import tsx scripts/bench/tracing-micro.ts <off|context|on> [calls] [--als]`: CPU per call of the
// span shape of a CSR call (a server span, admission, two steps with a client span each, two webhooks with
// their completions: 12 spans, 20 awaits in each), in one process, without the rest of Otto: off, the
// context only (spans made but never sampled, OTEL_TRACES_SAMPLER=always_off) and on (exported over
// http/protobuf to a sink here). Each span's context is handed down explicitly, with no context manager
// (D360); --als registers the SDK's AsyncLocalStorage context manager anyway, to show what its hooks on
// every promise cost by themselves. A loaded machine moves the figures; compare runs made together.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from '../../src/logger.ts';
import {
  injectTraceHeaders,
  inSpan,
  jobSpanOptions,
  SpanKind,
  startTracing,
  traceparentOf,
} from '../../src/tracing.ts';

const mode = process.argv[2] ?? 'on';
const als = process.argv.includes('--als');
let n = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    n++;
    res.writeHead(200);
    res.end();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
const otel: Record<string, string> =
  mode === 'off'
    ? {}
    : {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        ...(mode === 'context' ? { OTEL_TRACES_SAMPLER: 'always_off' } : {}),
      };
const t = await startTracing(otel, createLogger('warn'));
if (t && als) {
  context.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
async function work() {
  for (let i = 0; i < 20; i++) await Promise.resolve(i);
}
async function call() {
  // ~12 spans, as a CSR call; each span's context handed down explicitly, as Otto does (D360)
  const server = { kind: SpanKind.SERVER };
  await inSpan('POST /webhooks/callrail/call.completed', server, async (root, request) => {
    root.setAttributes({
      'http.request.method': 'POST',
      'url.path': '/webhooks/callrail/call.completed',
      'http.response.status_code': 202,
      'otto.request_id': 'abc',
    });
    await work();
    const tp = traceparentOf(request);
    const admission = { onlyInTrace: true, parent: request, attributes: { 'otto.company_id': 'c' } };
    await inSpan('otto.admission', admission, async (s) => {
      await work();
      s.setAttribute('otto.admitted', 1);
    });
    for (const stage of ['transcription', 'analysis']) {
      await inSpan(
        `otto.step ${stage}`,
        jobSpanOptions(tp, { 'otto.job_id': 'j', 'otto.company_id': 'c', 'otto.stage': stage }),
        async (_step, parent) => {
          await inSpan(
            'POST x',
            {
              kind: SpanKind.CLIENT,
              parent,
              attributes: {
                'http.request.method': 'POST',
                'url.template': '/x',
                'http.request.resend_count': 0,
                'otto.attempt': 1,
                'otto.request_id': 'r',
                'otto.company_id': 'c',
              },
            },
            async (s, attempt) => {
              injectTraceHeaders(attempt, {});
              await work();
              s.setAttribute('http.response.status_code', 202);
              s.setAttribute('shunya.request_id', 'sr');
            },
          );
        },
      );
      await inSpan('POST /api/v1/shunya/webhook', server, async (w, webhook) => {
        await work();
        await inSpan(
          `otto.complete ${stage}`,
          jobSpanOptions(tp, { 'otto.job_id': 'j', 'otto.source': 'webhook' }, webhook),
          async (s) => {
            await work();
            s.setAttributes({ 'otto.events': ['a', 'b'], 'otto.domain_writes': 3, 'otto.job_ended': true });
            s.setAttribute('otto.verdict', 'processed');
          },
        );
        w.setAttributes({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
      });
    }
  });
}
const N = Number(process.argv.slice(3).find((a) => !a.startsWith('--')) ?? 10000);
for (let i = 0; i < 2000; i++) await call();
const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) {
  await call();
  if (i % 200 === 0) await new Promise((r) => setImmediate(r));
}
const c1 = process.cpuUsage(c0);
await t?.shutdown();
console.log(
  mode,
  als ? 'AsyncLocalStorage (hooks on, context still explicit)' : 'no context manager',
  ((c1.user + c1.system) / N).toFixed(1),
  'µs CPU per call; exports',
  n,
);
server.close();
