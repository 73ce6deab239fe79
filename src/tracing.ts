// OpenTelemetry traces (D195-D198). This module needs only @opentelemetry/api, whose calls are no-ops
// until a tracer provider is registered. The SDK and the OTLP exporters (tracing-sdk.ts) are imported
// dynamically, and only when the OTEL_* variables ask for export: without them nothing is loaded and a
// span costs one flag check.
import {
  type Attributes,
  type Context,
  INVALID_SPAN_CONTEXT,
  INVALID_SPANID,
  INVALID_TRACEID,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Logger } from './logger.ts';

export type { Context as TraceContext, Span };
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
  /** the parent: the context handed down by the caller (D360); none starts a trace */
  parent?: Context | undefined;
  links?: Link[];
  /** make a span only inside a trace (cron work, probes: no root span of their own) */
  onlyInTrace?: boolean;
  /** when the work began, for a span made after it (epoch ms; a webhook's folded completion, D510) */
  startTime?: number;
}

const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `fn` in a new span, ended when it settles; an exception marks the span as an error. `fn` is handed
 * the span and the context naming it, which it passes on to the work that belongs under it: no context
 * manager carries it implicitly (D360), so nothing hooks the process's promises.
 */
export async function inSpan<T>(
  name: string,
  o: SpanOptions,
  fn: (span: Span, context: Context) => Promise<T>,
): Promise<T> {
  const parent = o.parent ?? ROOT_CONTEXT;
  if (!enabled || (o.onlyInTrace && !inTrace(parent))) return fn(NOT_RECORDING, parent);
  const span = tracer().startSpan(
    name,
    { kind: o.kind, attributes: o.attributes, links: o.links, startTime: o.startTime },
    parent,
  );
  try {
    return await fn(span, trace.setSpan(parent, span));
  } catch (e) {
    span.recordException(e as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
    span.setAttribute('error.type', (e as Error).name || 'Error');
    throw e;
  } finally {
    span.end();
  }
}

/** The valid span context a context names, or null (tracing off, none given, outside any trace). Every
 * context here was made by the SDK, by contextOf or by the propagator, which validated the ids' format,
 * so only the all-zero ids of a non-recording span are left to refuse (the API's check runs two regular
 * expressions, and this runs a few times per span). */
function spanContextIn(ctx: Context | undefined) {
  if (!enabled || !ctx) return null;
  const sc = trace.getSpanContext(ctx);
  return sc && sc.traceId !== INVALID_TRACEID && sc.spanId !== INVALID_SPANID ? sc : null;
}

/** Whether `ctx` names a (valid) span: work outside any trace (a health probe) makes no span of its own. */
export const inTrace = (ctx: Context | undefined): boolean => spanContextIn(ctx) !== null;

/** The span `ctx` names as a W3C `traceparent`, or null (tracing off, outside any trace). */
export function traceparentOf(ctx: Context | undefined): string | null {
  const sc = spanContextIn(ctx);
  if (!sc) return null;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Adds the `traceparent` (and `tracestate`) of the span `ctx` names to outgoing headers. */
export function injectTraceHeaders(ctx: Context | undefined, headers: Record<string, string>): void {
  const sc = spanContextIn(ctx);
  if (!sc) return;
  headers.traceparent = traceparentOf(ctx) as string;
  const state = sc.traceState?.serialize();
  if (state) headers.tracestate = state;
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
 * The parent and links for work on a job, given the context of the work that asks (`current`): that span
 * when it is in the job's trace already, else the job's stored trace; a span of another trace (a
 * webhook's request) is linked, so each trace leads to the other.
 */
export function jobSpanOptions(
  traceparent: string | null | undefined,
  attributes: Attributes,
  current?: Context,
): SpanOptions {
  if (!enabled) return {};
  const parent = contextOf(traceparent);
  const active = spanContextIn(current);
  const stored = trace.getSpanContext(parent);
  // already inside the job's trace (a poll's completion): a child of the current span
  if (!stored || active?.traceId === stored.traceId) return { parent: current, attributes };
  return { parent, attributes, links: active ? [{ context: active }] : [] };
}

/**
 * Links the span `from` names (a webhook's request) to the span `to` names when they are in different
 * traces: a job's work linked the request's span on starting (jobSpanOptions), and this makes the request's
 * trace lead back to the job's, so a webhook found by itself in a tracing backend names its job's trace
 * (D452). A span can take a link while it is open: the request's is, as it waits for the work.
 */
export function linkBack(from: Context | undefined, to: Context): void {
  const source = spanContextIn(from);
  const target = spanContextIn(to);
  if (!source || !target || source.traceId === target.traceId) return;
  trace.getSpan(from as Context)?.addLink({ context: target });
}

/** The trace id of a stored `traceparent` (version-traceid-spanid-flags), or null. */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  const m = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? '');
  return m?.[1] ?? null;
}

/** trace_id and span_id of the span `ctx` names, for log lines (empty when none). */
export function traceFields(ctx: Context | undefined): { trace_id?: string; span_id?: string } {
  const sc = spanContextIn(ctx);
  return sc ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

export type TraceFields = ReturnType<typeof traceFields>;

/**
 * Dependencies for work under the span `ctx` names: the context to hand on (`trace`) and a logger whose
 * lines carry its trace_id and span_id (D360: without a context manager a logger mixin cannot see the
 * span). The same object when tracing is off or `ctx` names no span. A `traceSink` is told the ids of the
 * first span so bound and is not handed further: the worker writes graphile-worker's own lines about the
 * job with them (D450).
 */
export function withTrace<
  D extends { trace?: Context | undefined; logger?: Logger; traceSink?: (fields: TraceFields) => void },
>(deps: D, ctx: Context | undefined): D {
  const fields = traceFields(ctx);
  if (!fields.trace_id) return deps;
  const { traceSink, ...rest } = deps;
  traceSink?.(fields);
  return (
    deps.logger ? { ...rest, trace: ctx, logger: deps.logger.child(fields) } : { ...rest, trace: ctx }
  ) as D;
}
