// The console's short memory of what this process measured (D120): every `intervalMs` it reads the Shunya
// request histogram (otto_shunya_request_duration_seconds) and the queue depth, and keeps the differences
// for six hours, so that the charts have a past when the page opens. Prometheus and the Grafana dashboard
// remain the durable, fleet-wide record; this is one process's view, lost on restart.
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export interface LatencyPoint {
  at: Date;
  endpoint: string;
  requests: number;
  errors: number;
  mean_ms: number | null;
  p95_ms: number | null;
}

export interface DepthPoint {
  at: Date;
  depth: number;
}

interface Cumulative {
  count: number;
  sum: number;
  errors: number;
  /** cumulative count per upper bound (seconds), +Inf included */
  buckets: Map<number, number>;
}

const KEEP_MS = 6 * 60 * 60 * 1000;

/** The 95th percentile from cumulative bucket counts, interpolated inside its bucket (as histogram_quantile does). */
export function p95FromBuckets(buckets: [number, number][], count: number): number | null {
  if (count <= 0) return null;
  const rank = 0.95 * count;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, cumulative] of buckets) {
    if (cumulative >= rank) {
      if (!Number.isFinite(bound)) return prevBound; // beyond the last finite bound: its value is a floor
      const inBucket = cumulative - prevCount;
      return inBucket > 0 ? prevBound + ((bound - prevBound) * (rank - prevCount)) / inBucket : bound;
    }
    prevBound = bound;
    prevCount = cumulative;
  }
  return prevBound;
}

async function readHistogram(metrics: Pick<Metrics, 'shunyaRequests'>): Promise<Map<string, Cumulative>> {
  const byEndpoint = new Map<string, Cumulative>();
  const of = (endpoint: string) => {
    let c = byEndpoint.get(endpoint);
    if (!c) {
      c = { count: 0, sum: 0, errors: 0, buckets: new Map() };
      byEndpoint.set(endpoint, c);
    }
    return c;
  };
  for (const v of (await metrics.shunyaRequests.get()).values) {
    const endpoint = String(v.labels.endpoint);
    const c = of(endpoint);
    const name = (v as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_bucket')) {
      const bound = (v.labels as Record<string, string | number>).le;
      const le = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
      c.buckets.set(le, (c.buckets.get(le) ?? 0) + v.value);
    } else if (name.endsWith('_sum')) c.sum += v.value;
    else if (name.endsWith('_count')) {
      c.count += v.value;
      if (!/^2\d\d$/.test(String(v.labels.outcome))) c.errors += v.value;
    }
  }
  return byEndpoint;
}

export class MetricsHistory {
  private latency: LatencyPoint[] = [];
  private depth: DepthPoint[] = [];
  private last = new Map<string, Cumulative>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: Pick<Metrics, 'shunyaRequests'>,
    private readonly readDepth: () => Promise<number>,
    private readonly logger: Logger,
    readonly intervalMs = 10_000,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
    void this.sample();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sample(now = new Date()): Promise<void> {
    try {
      const current = await readHistogram(this.metrics);
      for (const [endpoint, c] of current) {
        const prev = this.last.get(endpoint);
        const requests = c.count - (prev?.count ?? 0);
        if (requests <= 0) continue;
        const buckets = [...c.buckets.entries()]
          .sort(([a], [b]) => a - b)
          .map(([le, n]): [number, number] => [le, n - (prev?.buckets.get(le) ?? 0)]);
        const p95 = p95FromBuckets(buckets, requests);
        this.latency.push({
          at: now,
          endpoint,
          requests,
          errors: c.errors - (prev?.errors ?? 0),
          mean_ms: ((c.sum - (prev?.sum ?? 0)) / requests) * 1000,
          p95_ms: p95 === null ? null : p95 * 1000,
        });
      }
      this.last = current;
      this.depth.push({ at: now, depth: await this.readDepth() });
    } catch (e) {
      this.logger.debug({ err: e }, 'metrics history: sample skipped');
    }
    const cutoff = now.getTime() - KEEP_MS;
    this.latency = this.latency.filter((p) => p.at.getTime() >= cutoff);
    this.depth = this.depth.filter((p) => p.at.getTime() >= cutoff);
  }

  since(from: Date): { latency: LatencyPoint[]; depth: DepthPoint[] } {
    const t = from.getTime();
    return {
      latency: this.latency.filter((p) => p.at.getTime() >= t),
      depth: this.depth.filter((p) => p.at.getTime() >= t),
    };
  }
}
