// Prometheus metrics (/metrics): counters and histograms updated as things happen, gauges read from
// Postgres at scrape time (jobs by state and type, queue depth, outbox lag).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from './db/knex.ts';
import type { BreakerState } from './shunya/types.ts';

export interface Metrics {
  registry: Registry;
  webhookDeliveries: Counter<'verdict'>;
  /** deprecated name, kept for one release beside httpClientDuration (D199) */
  shunyaRequests: Histogram<'endpoint' | 'outcome'>;
  httpServerDuration: Histogram<ServerLabel>;
  httpClientDuration: Histogram<ServerLabel | 'server_address'>;
  breakerOpens: Counter<'endpoint'>;
  streamSubscribers: Gauge;
  unmappedValues: Counter<'field'>;
  unreadableAnswers: Counter<'kind' | 'step'>;
  slowReadersDropped: Counter;
  streamBufferPeak: Gauge;
  authFailures: Counter<'surface'>;
  authThrottled: Counter<'surface'>;
}

type ServerLabel = 'http_request_method' | 'http_route' | 'http_response_status_code' | 'error_type';

/** The OpenTelemetry semantic conventions' advised buckets for HTTP durations, in seconds (D199). */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

const BREAKER_STATE = { closed: 0, half_open: 1, open: 2 } as const;

export function createMetrics(
  db: Db,
  sources: {
    breakerStates?: () => BreakerState[];
    subscribers?: () => number;
    /** Bytes each open event stream holds unread (D91). */
    streamBuffers?: () => number[];
  } = {},
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'otto_' });
  const registers = [registry];

  new Gauge({
    name: 'otto_jobs',
    help: 'Shunya jobs by state and type',
    labelNames: ['job_status', 'job_type'],
    registers,
    async collect() {
      const rows = (
        await db.raw('SELECT job_status, job_type, count(*)::int AS n FROM shunya_jobs GROUP BY 1, 2')
      ).rows;
      this.reset();
      for (const r of rows) this.set({ job_status: r.job_status, job_type: r.job_type }, r.n);
    },
  });
  new Gauge({
    name: 'otto_queue_depth',
    help: 'graphile-worker jobs due and not yet taken, by task',
    labelNames: ['task'],
    registers,
    async collect() {
      const rows = (
        await db.raw(
          `SELECT task_identifier AS task, count(*)::int AS n FROM graphile_worker.jobs
           WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts GROUP BY 1`,
        )
      ).rows;
      this.reset();
      for (const r of rows) this.set({ task: r.task }, r.n);
    },
  });
  new Gauge({
    name: 'otto_outbox_lag_seconds',
    help: 'Age of the oldest domain event not yet published to the event stream',
    registers,
    async collect() {
      const r = (
        await db.raw(
          'SELECT extract(epoch FROM now() - min(occurred_at))::float8 AS lag FROM outbox_events WHERE position IS NULL',
        )
      ).rows[0];
      this.set(r?.lag ?? 0);
    },
  });
  new Gauge({
    name: 'otto_outbox_unpublished',
    help: 'Domain events written but not yet published',
    registers,
    async collect() {
      this.set(
        (await db.raw('SELECT count(*)::int AS n FROM outbox_events WHERE position IS NULL')).rows[0].n,
      );
    },
  });
  new Gauge({
    name: 'otto_circuit_breaker_state',
    help: 'Circuit breaker state per (endpoint, tenant): 0 closed, 1 half-open, 2 open',
    labelNames: ['endpoint', 'company_id'],
    registers,
    collect() {
      this.reset();
      for (const b of sources.breakerStates?.() ?? [])
        this.set({ endpoint: b.endpoint, company_id: b.company_id }, BREAKER_STATE[b.state]);
    },
  });
  const streamSubscribers = new Gauge({
    name: 'otto_event_stream_subscribers',
    help: 'Open event-stream connections in this process',
    registers,
    collect() {
      if (sources.subscribers) this.set(sources.subscribers());
    },
  });
  new Gauge({
    name: 'otto_event_stream_buffered_bytes',
    help: 'Bytes written to event streams in this process and not yet taken by their readers',
    registers,
    collect() {
      if (sources.streamBuffers) this.set(sources.streamBuffers().reduce((a, b) => a + b, 0));
    },
  });
  new Gauge({
    name: 'otto_event_stream_buffered_bytes_max',
    help: 'The most bytes one event stream of this process holds unread (bounded by SSE_MAX_BUFFER_BYTES)',
    registers,
    collect() {
      if (sources.streamBuffers) this.set(Math.max(0, ...sources.streamBuffers()));
    },
  });
  return {
    registry,
    streamSubscribers,
    streamBufferPeak: new Gauge({
      name: 'otto_event_stream_buffered_bytes_peak',
      help: 'The most bytes one event stream of this process has held unread since start (at most SSE_MAX_BUFFER_BYTES + one event)',
      registers,
    }),
    slowReadersDropped: new Counter({
      name: 'otto_event_stream_slow_readers_dropped_total',
      help: 'Event-stream connections closed because their reader fell SSE_MAX_BUFFER_BYTES behind (D91)',
      registers,
    }),
    authFailures: new Counter({
      name: 'otto_auth_failures_total',
      help: 'Failed authentications by surface (shunya_webhook, callrail, operator, frontend) (D130)',
      labelNames: ['surface'],
      registers,
    }),
    authThrottled: new Counter({
      name: 'otto_auth_throttled_total',
      help: 'Failed authentications answered 429: their client passed AUTH_FAILURE_LIMIT in the window (D130)',
      labelNames: ['surface'],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'otto_webhook_deliveries_total',
      help: 'Shunya webhook deliveries by verdict',
      labelNames: ['verdict'],
      registers,
    }),
    shunyaRequests: new Histogram({
      name: 'otto_shunya_request_duration_seconds',
      help: 'Deprecated (D199): use http_client_request_duration_seconds. Shunya HTTP requests (each attempt) by endpoint template and outcome',
      labelNames: ['endpoint', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    // http.server.request.duration and http.client.request.duration as Prometheus names them (D199)
    httpServerDuration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests Otto served, by method, route template, status and error.type',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code', 'error_type'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    }),
    httpClientDuration: new Histogram({
      name: 'http_client_request_duration_seconds',
      help: "Duration of Otto's HTTP requests to Shunya (each attempt), by method, route template, status, error.type and server",
      labelNames: [
        'http_request_method',
        'http_route',
        'http_response_status_code',
        'error_type',
        'server_address',
      ],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    }),
    breakerOpens: new Counter({
      name: 'otto_circuit_breaker_opens_total',
      help: 'Circuit breakers opened, by endpoint',
      labelNames: ['endpoint'],
      registers,
    }),
    unmappedValues: new Counter({
      name: 'otto_shunya_unmapped_values_total',
      help: "Values Shunya sent outside Otto's vocabularies, stored as received (D75), by field",
      labelNames: ['field'],
      registers,
    }),
    unreadableAnswers: new Counter({
      name: 'otto_shunya_unreadable_answers_total',
      help: 'Answers from Shunya Otto could not read (D80), by operation kind and step (submit or poll)',
      labelNames: ['kind', 'step'],
      registers,
    }),
  };
}
