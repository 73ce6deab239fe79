// OpenTelemetry traces (D195-D198). This module needs only @opentelemetry/api, whose calls are no-ops
// until a tracer provider is registered. The SDK and the OTLP exporters (tracing-sdk.ts) are imported
// dynamically, and only when the OTEL_* variables ask for export: without them nothing is loaded and a
// span costs one flag check.
import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Logger } from './logger.ts';

export type { Span };
export { SpanKind, SpanStatusCode };

/** Export is asked for: an OTLP endpoint is set and the SDK is not disabled (OTEL_SDK_DISABLED). */
export function tracingWanted(otel: Record<string, string>): boolean {
  if (otel.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  if ((otel.OTEL_TRACES_EXPORTER ?? 'otlp').toLowerCase() === 'none') return false;
  return Boolean(otel.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || otel.OTEL_EXPORTER_OTLP_ENDPOINT);
}

export interface Tracing {
  /** Exports what is buffered and unregisters the provider. */
  shutdown(): Promise<void>;
}

export type SdkLoader = () => Promise<{
  startSdk(otel: Record<string, string>, logger: Logger): Tracing;
}>;

let enabled = false;

/**
 * Starts export when the OTEL_* variables ask for it; null (and nothing imported) otherwise. `load` is
 * the dynamic import of the SDK (a test counts it).
 */
export async function startTracing(
  otel: Record<string, string>,
  logger: Logger,
  load: SdkLoader = () => import('./tracing-sdk.ts'),
): Promise<Tracing | null> {
  if (!tracingWanted(otel)) return null;
  const sdk = (await load()).startSdk(otel, logger);
  otto = trace.getTracer('otto');
  enabled = true;
  return {
    async shutdown() {
      enabled = false;
      otto = null;
      await sdk.shutdown();
    },
  };
}

/** Whether spans are being exported (startTracing ran and has not shut down). */
export const tracingOn = () => enabled;

/** Looked up once per start: through the API's proxy a lookup per span costs a provider's map search. */
let otto: ReturnType<typeof trace.getTracer> | null = null;
const tracer = () => otto ?? trace.getTracer('otto');

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** the parent; the active context otherwise */
  parent?: Context;
  links?: Link[];
  /** make a span only inside a trace (cron work, probes: no root span of their own) */
  onlyInTrace?: boolean;
}

/** Runs `fn` in a new active span, ended when it settles; an exception marks the span as an error. */
export async function inSpan<T>(name: string, o: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!enabled || (o.onlyInTrace && !activeTrace())) return fn(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  const { parent, onlyInTrace: _, ...options } = o;
  return tracer().startActiveSpan(name, options, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      span.setAttribute('error.type', (e as Error).name || 'Error');
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Attributes for the active span (nothing when none). */
export function annotate(attributes: Attributes): void {
  if (enabled) trace.getActiveSpan()?.setAttributes(attributes);
}

/** The active span context as a W3C `traceparent`, or null (tracing off, nothing active). */
export function currentTraceparent(): string | null {
  if (!enabled) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** Adds the active context's `traceparent` (and `tracestate`) to outgoing headers. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  if (enabled) propagation.inject(context.active(), headers);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context a stored `traceparent` names (ROOT_CONTEXT when there is none). Otto wrote it (version 00,
 * no tracestate), so it is read directly, not through the propagator (D283). */
export function contextOf(traceparent: string | null | undefined): Context {
  const m = TRACEPARENT.exec(traceparent ?? '');
  if (!m) return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  const sc = {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: Number.parseInt(m[3] as string, 16),
  };
  return trace.isSpanContextValid(sc)
    ? trace.setSpanContext(ROOT_CONTEXT, { ...sc, isRemote: true })
    : ROOT_CONTEXT;
}

/**
 * The parent and links for work on a job: the active span when it is in the job's trace already, else the
 * job's stored trace; the active span of another trace (a webhook's request) is linked, so each trace
 * leads to the other.
 */
export function jobSpanOptions(traceparent: string | null | undefined, attributes: Attributes): SpanOptions {
  if (!enabled) return {};
  const parent = contextOf(traceparent);
  const active = trace.getSpanContext(context.active());
  const stored = trace.getSpanContext(parent);
  // already inside the job's trace (a poll's completion): a child of the active span
  if (!stored || (active && active.traceId === stored.traceId))
    return { parent: context.active(), attributes };
  return {
    parent,
    attributes,
    links: active && trace.isSpanContextValid(active) ? [{ context: active }] : [],
  };
}

/** The trace id of a stored `traceparent` (version-traceid-spanid-flags), or null. */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  const m = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? '');
  return m?.[1] ?? null;
}

/** Whether a (valid) span is active: work outside any trace (a health probe) makes no span of its own. */
export function activeTrace(): boolean {
  if (!enabled) return false;
  const sc = trace.getSpanContext(context.active());
  return Boolean(sc && trace.isSpanContextValid(sc));
}

/** trace_id and span_id of the active span, for log lines (empty when none). */
export function traceFields(): { trace_id?: string; span_id?: string } {
  if (!enabled) return {};
  const sc = trace.getSpanContext(context.active());
  return sc && trace.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}
