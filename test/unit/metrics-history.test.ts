// The console's charts read what MetricsHistory sampled from the Shunya request histogram: per interval,
// per endpoint, the requests, errors, mean and an estimated p95 (as Prometheus' histogram_quantile would).
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { MetricsHistory, p95FromBuckets } from '../../src/metrics-history.ts';

describe('p95FromBuckets', () => {
  it('interpolates inside the bucket that holds the 95th percentile', () => {
    // 100 requests: 50 under 0.1 s, 40 more under 0.2 s, 10 more under 0.5 s → rank 95 is half-way in (0.2, 0.5]
    expect(
      p95FromBuckets(
        [
          [0.1, 50],
          [0.2, 90],
          [0.5, 100],
          [Number.POSITIVE_INFINITY, 100],
        ],
        100,
      ),
    ).toBeCloseTo(0.35);
  });
  it('answers the last finite bound when the percentile lies beyond it, and null without requests', () => {
    expect(
      p95FromBuckets(
        [
          [0.1, 1],
          [Number.POSITIVE_INFINITY, 10],
        ],
        10,
      ),
    ).toBe(0.1);
    expect(p95FromBuckets([[0.1, 0]], 0)).toBeNull();
  });
});

describe('MetricsHistory', () => {
  it('keeps per-interval differences by endpoint, not running totals', async () => {
    const registry = new Registry();
    const shunyaRequests = new Histogram({
      name: 'otto_shunya_request_duration_seconds',
      help: 'test',
      labelNames: ['endpoint', 'outcome'],
      buckets: [0.05, 0.1, 0.5],
      registers: [registry],
    });
    let depth = 3;
    const history = new MetricsHistory({ shunyaRequests }, async () => depth, createLogger('silent'), 1000);
    const t0 = new Date('2025-01-15T10:00:00Z');
    shunyaRequests.observe({ endpoint: 'POST /a', outcome: '202' }, 0.04);
    shunyaRequests.observe({ endpoint: 'POST /a', outcome: '503' }, 0.08);
    await history.sample(t0);
    shunyaRequests.observe({ endpoint: 'POST /a', outcome: '202' }, 0.3);
    depth = 0;
    await history.sample(new Date(t0.getTime() + 1000));
    await history.sample(new Date(t0.getTime() + 2000)); // nothing new for /a: no point

    const { latency, depth: depths } = history.since(t0);
    expect(latency.map((p) => [p.endpoint, p.requests, p.errors])).toEqual([
      ['POST /a', 2, 1],
      ['POST /a', 1, 0],
    ]);
    expect(latency[0]?.mean_ms).toBeCloseTo(60);
    expect(latency[1]?.mean_ms).toBeCloseTo(300);
    expect(latency[1]?.p95_ms).toBeGreaterThan(100);
    expect(latency[1]?.p95_ms).toBeLessThanOrEqual(500);
    expect(depths.map((d) => d.depth)).toEqual([3, 0, 0]);
    expect(history.since(new Date(t0.getTime() + 1500)).latency).toEqual([]);
  });
});
