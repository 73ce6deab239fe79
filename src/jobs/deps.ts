// What the pipeline needs from the outside, passed in once (buildWorker / buildApp), never imported globally.
import type { Config } from '../config.ts';
import type { Db } from '../db/knex.ts';
import type { Logger } from '../logger.ts';
import type {
  CompleteAnalysis,
  Normalized,
  OperationKind,
  Segmentation,
  ShunyaClient,
  ShunyaErrorInfo,
  Transcript,
  WebhookEnvelope,
} from '../shunya/types.ts';
import type { TraceContext, TraceFields } from '../tracing.ts';

export interface Normalizers {
  transcript(raw: unknown): Normalized<Transcript>;
  analysis(raw: unknown): Normalized<CompleteAnalysis>;
  segmentation(raw: unknown): Normalized<Segmentation>;
  webhook(raw: unknown): Normalized<WebhookEnvelope>;
  error(raw: unknown, httpStatus?: number): ShunyaErrorInfo;
  /**
   * Python's json.dumps(json.loads(text), sort_keys=True): the message Shunya's own webhook profile signs
   * (D1), computed from the raw text so that numbers keep their exact form (1.0 stays 1.0).
   */
  pythonJson(text: string): string;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Counters the pipeline moves (src/metrics.ts implements them; a test may leave them out). */
export interface PipelineMetrics {
  /** An enumeration value outside Otto's vocabularies, by field (D75). */
  unmappedValue(field: string): void;
  /** An answer from Shunya that Otto could not read, by operation kind and step (D80). */
  unreadableAnswer(kind: OperationKind, step: 'submit' | 'poll'): void;
}

export interface PipelineDeps {
  db: Db;
  config: Config;
  logger: Logger;
  client: ShunyaClient;
  normalize: Normalizers;
  clock: Clock;
  metrics?: PipelineMetrics;
  /** the span the work runs under, handed down explicitly (no context manager, D360); none outside a trace */
  trace?: TraceContext | undefined;
  /** told the trace ids of the first span the work opens (withTrace): graphile-worker's lines about the
   * job that runs this work carry them (D450) */
  traceSink?: ((fields: TraceFields) => void) | undefined;
}
