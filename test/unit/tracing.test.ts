// Tracing's switch and its SDK set-up (D195): without the OTEL_* variables no SDK module is imported and
// nothing is traced; with them, spans are exported over http/protobuf or http/json with the configured
// headers and service name, log lines carry trace_id and span_id, and no context manager is registered:
// each span's context is handed down explicitly (D360).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger, maskPii } from '../../src/logger.ts';
import {
  inSpan,
  type SdkLoader,
  startTracing,
  traceIdOf,
  traceparentOf,
  tracingWanted,
  withTrace,
} from '../../src/tracing.ts';
import { parseHeaders, samplerOf, tracesUrl } from '../../src/tracing-sdk.ts';
import { capturedLogger } from '../helpers/logs.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp.ts';
import { TEST_SECRETS } from '../helpers/secrets.ts';
import { ROOT } from '../helpers/spawn.ts';

const silent = createLogger('silent');

function countingLoader(): { load: SdkLoader; calls: () => number } {
  let n = 0;
  return {
    load: async () => {
      n++;
      return import('../../src/tracing-sdk.ts');
    },
    calls: () => n,
  };
}

describe('without OTEL_* nothing is loaded', () => {
  it('startTracing imports no SDK and spans are not recorded', async () => {
    const loader = countingLoader();
    const config = loadConfig({ ...TEST_SECRETS, NODE_ENV: 'test' });
    expect(config.otel).toEqual({});
    expect(await startTracing(config.otel, silent, loader.load)).toBeNull();
    expect(loader.calls()).toBe(0);
    await inSpan('nothing', {}, async (span, ctx) => {
      expect(span.isRecording()).toBe(false);
      expect(traceparentOf(ctx)).toBeNull();
    });
  });

  it('OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none win over an endpoint', async () => {
    const loader = countingLoader();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' };
    const offs: Record<string, string>[] = [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }];
    for (const off of offs)
      expect(await startTracing({ ...endpoint, ...off }, silent, loader.load)).toBeNull();
    expect(loader.calls()).toBe(0);
    expect(tracingWanted(endpoint)).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x/v1/traces' })).toBe(true);
  });

  it('no module of src/ but tracing-sdk.ts imports an SDK package; only tracing.ts imports tracing-sdk.ts, dynamically', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = path.join(dir, n);
        return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
      });
    const offenders: string[] = [];
    for (const f of files(path.join(ROOT, 'src'))) {
      const rel = path.relative(ROOT, f);
      const text = readFileSync(f, 'utf8');
      const sdk = [...text.matchAll(/from\s+'(@opentelemetry\/[^']+)'/g)]
        .map((m) => m[1])
        .filter((p) => p !== '@opentelemetry/api');
      if (sdk.length > 0 && rel !== 'src/tracing-sdk.ts') offenders.push(`${rel}: ${sdk.join(', ')}`);
      if (/from\s+'[./]*tracing-sdk\.ts'/.test(text))
        offenders.push(`${rel}: imports tracing-sdk.ts statically`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('the SDK, from the OTEL_* variables', () => {
  it('reads endpoints, headers and samplers as the specification has them', () => {
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(
      tracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/custom',
      }),
    ).toBe('http://t:4318/custom');
    expect(parseHeaders('api-key=a%20b, x-team = ops,broken')).toEqual({ 'api-key': 'a b', 'x-team': 'ops' });
    expect(samplerOf({}).toString()).toMatch(/ParentBased\{root=AlwaysOnSampler/);
    expect(
      samplerOf({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString(),
    ).toMatch(/TraceIdRatioBased\{0.25\}/);
    expect(samplerOf({ OTEL_TRACES_SAMPLER: 'always_off' }).toString()).toBe('AlwaysOffSampler');
  });

  it('loadConfig refuses a protocol, sampler or ratio the SDK would not take, with every problem listed', () => {
    expect(() =>
      loadConfig({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
      }),
    ).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported[\s\S]*OTEL_TRACES_SAMPLER: "sometimes"[\s\S]*OTEL_TRACES_SAMPLER_ARG: expected a ratio/,
    );
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      }).otel,
    ).toEqual({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' });
  });

  it('the SDK refuses a protocol it does not speak, with a clear message', async () => {
    await expect(
      startTracing(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
        silent,
      ),
    ).rejects.toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported/);
  });

  describe('exporting', () => {
    let receiver: OtlpReceiver;
    beforeAll(async () => {
      receiver = await startOtlpReceiver();
    });
    afterAll(async () => {
      await receiver.close();
    });

    it('http/protobuf: a POST of application/x-protobuf to /v1/traces, with the headers and service name', async () => {
      const tracing = await startTracing(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken',
          OTEL_SERVICE_NAME: 'otto-proto-check',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging-eu,service.name=overridden',
        },
        silent,
      );
      expect(tracing).not.toBeNull();
      await inSpan('proto-span', {}, async () => {});
      await tracing?.shutdown();
      const post = receiver.posts.find((p) => p.contentType === 'application/x-protobuf');
      expect(post?.path).toBe('/v1/traces');
      expect(post?.headers.authorization).toBe('Bearer t0ken');
      // protobuf strings are their UTF-8 bytes
      expect(post?.body.includes(Buffer.from('otto-proto-check'))).toBe(true);
      expect(post?.body.includes(Buffer.from('proto-span'))).toBe(true);
      expect(post?.body.includes(Buffer.from('staging-eu'))).toBe(true);
      expect(post?.body.includes(Buffer.from('overridden'))).toBe(false);
    });

    it('tracing on registers no context manager: nothing carries a context implicitly (D360)', async () => {
      const tracing = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, silent);
      try {
        const marked = ROOT_CONTEXT.setValue(createContextKey('otto.test'), 1);
        // the API's no-op manager: `with` runs the function without making its context the active one
        expect(context.with(marked, () => context.active())).toBe(ROOT_CONTEXT);
        await inSpan('outer', {}, async (_span, outer) => {
          expect(context.active()).toBe(ROOT_CONTEXT);
          // a span without the parent handed to it starts a trace of its own
          await inSpan('unparented', {}, async (_s, own) => {
            expect(traceIdOf(traceparentOf(own))).not.toBe(traceIdOf(traceparentOf(outer)));
          });
        });
      } finally {
        await tracing?.shutdown();
      }
    });

    it('http/json: spans in a tree, log lines carrying trace_id and span_id, the traceparent stored', async () => {
      const { logger, lines } = capturedLogger('info');
      const tracing = await startTracing(
        { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
        silent,
      );
      let stored: string | null = null;
      await inSpan('outer', {}, async (_outer, parent) => {
        await inSpan('inner', { parent }, async (_inner, inner) => {
          withTrace({ logger }, inner).logger.info('inside');
          stored = traceparentOf(inner);
        });
      });
      logger.info('outside');
      await tracing?.shutdown();
      const outer = receiver.spans.find((sp) => sp.name === 'outer');
      const inner = receiver.spans.find((sp) => sp.name === 'inner');
      expect(inner?.parentSpanId).toBe(outer?.spanId);
      expect(inner?.traceId).toBe(outer?.traceId);
      expect(traceIdOf(stored)).toBe(outer?.traceId);
      expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: inner?.traceId, span_id: inner?.spanId });
      expect(lines[1]?.trace_id).toBeUndefined();
      // an id of decimal digits only is not masked as a phone number
      expect(maskPii({ span_id: '1234567890123456', trace_id: '12345678901234567890123456789012' })).toEqual({
        span_id: '1234567890123456',
        trace_id: '12345678901234567890123456789012',
      });
      // after shutdown, tracing is off again
      await inSpan('after', {}, async (span) => expect(span.isRecording()).toBe(false));
    });
  });
});
