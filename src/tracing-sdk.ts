// The OpenTelemetry SDK, imported by tracing.ts only when the OTEL_* variables ask for export (D195). It
// is configured from the variables handed in (the ones loadConfig saw, so tests and processes agree),
// following the SDK environment specification: endpoint, headers, protocol, service name, sampler,
// batch delay. Spans are made by hand at the few places that matter (D197); no auto-instrumentation.

import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from './logger.ts';
import type { Tracing } from './tracing.ts';

/** OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES: `key=value,key2=value2`, values URL-encoded. */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  return out;
}

/** The traces URL: the signal's own endpoint as given, or the base endpoint plus /v1/traces. */
export function tracesUrl(otel: Record<string, string>): string {
  if (otel.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return otel.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return `${(otel.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/+$/, '')}/v1/traces`;
}

export function samplerOf(otel: Record<string, string>): Sampler {
  const arg = Number(otel.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  switch ((otel.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').toLowerCase()) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export function startSdk(otel: Record<string, string>, logger: Logger): Tracing {
  const protocol =
    otel.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? otel.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json')
    throw new Error(
      `OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; use http/protobuf or http/json`,
    );
  const options = {
    url: tracesUrl(otel),
    headers: {
      ...parseHeaders(otel.OTEL_EXPORTER_OTLP_HEADERS),
      ...parseHeaders(otel.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    },
  };
  const exporter = protocol === 'http/json' ? new JsonExporter(options) : new ProtobufExporter(options);
  const delay = Number(otel.OTEL_BSP_SCHEDULE_DELAY);
  const provider = new NodeTracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES (same key=value list), OTEL_SERVICE_NAME over its service.name
    resource: resourceFromAttributes({
      [ATTR_SERVICE_VERSION]: process.env.npm_package_version ?? '0.1.0',
      ...parseHeaders(otel.OTEL_RESOURCE_ATTRIBUTES),
      [ATTR_SERVICE_NAME]:
        otel.OTEL_SERVICE_NAME ?? parseHeaders(otel.OTEL_RESOURCE_ATTRIBUTES)[ATTR_SERVICE_NAME] ?? 'otto',
    }),
    sampler: samplerOf(otel),
    spanProcessors: [
      new BatchSpanProcessor(
        exporter,
        Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {},
      ),
    ],
  });
  // the global provider and W3C trace-context propagator, and no context manager: the span context is
  // handed down explicitly (D360), so no hook runs for the process's promises
  provider.register({ contextManager: null });
  logger.info({ url: options.url, protocol }, 'exporting traces (OpenTelemetry)');
  return {
    async shutdown() {
      await provider.shutdown();
      const { context, propagation, trace } = await import('@opentelemetry/api');
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
