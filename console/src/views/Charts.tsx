// Charts: completions and failures per minute by tenant (the jobs table), Shunya latency by endpoint and
// queue depth (what this Otto process sampled, D120).
import { useState } from 'preact/hooks';
import { getOpsCharts, listCompanies } from '../../../generated/otto/sdk.gen.ts';
import type { OpsCharts } from '../../../generated/otto/types.gen.ts';
import { call, usePoll } from '../api.ts';
import { LineChart, type Series } from '../chart.tsx';
import { Loaded } from '../components.tsx';

function completionSeries(c: OpsCharts, names: Map<string, string>): Series[] {
  const by = new Map<string, Series>();
  const of = (name: string, dashed = false) => {
    let s = by.get(name);
    if (!s) {
      s = { name, points: [], dashed };
      by.set(name, s);
    }
    return s;
  };
  for (const r of c.completions) {
    const tenant = names.get(r.company_id) ?? r.company_id.slice(0, 8);
    const t = Date.parse(r.minute);
    of(`${tenant}: succeeded`).points.push([t, r.succeeded]);
    if (r.failed + r.timeout > 0)
      of(`${tenant}: failed or timed out`, true).points.push([t, r.failed + r.timeout]);
  }
  return [...by.values()];
}

function latencySeries(c: OpsCharts, which: 'mean_ms' | 'p95_ms'): Series[] {
  const by = new Map<string, Series>();
  for (const p of c.shunya_latency) {
    const v = p[which];
    if (v === null) continue;
    let s = by.get(p.endpoint);
    if (!s) {
      s = { name: p.endpoint, points: [] };
      by.set(p.endpoint, s);
    }
    s.points.push([Date.parse(p.at), v]);
  }
  return [...by.values()];
}

export function Charts() {
  const [minutes, setMinutes] = useState(30);
  const charts = usePoll(() => call(getOpsCharts({ query: { minutes } })), 10_000, [minutes]);
  const companies = usePoll(() => call(listCompanies()), 60_000, []);
  const names = new Map((companies.data?.items ?? []).map((c) => [c.id, c.name]));
  return (
    <section aria-labelledby="charts-title">
      <div class="view-head">
        <h1 id="charts-title">Charts</h1>
        <label>
          Window{' '}
          <select value={String(minutes)} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
            {[10, 30, 60, 180, 360].map((m) => (
              <option key={m} value={m}>
                last {m} min
              </option>
            ))}
          </select>
        </label>
      </div>
      <Loaded what="charts" data={charts.data} error={charts.error}>
        {(c: OpsCharts) => {
          const to = Date.parse(c.generated_at);
          const from = to - c.window_minutes * 60_000;
          return (
            <div class="charts">
              <LineChart
                title="Jobs finished per minute, by tenant"
                unit="jobs"
                series={completionSeries(c, names)}
                from={from}
                to={to}
              />
              <LineChart
                title="Shunya latency by endpoint: mean (ms)"
                unit="ms"
                series={latencySeries(c, 'mean_ms')}
                from={from}
                to={to}
              />
              <LineChart
                title="Shunya latency by endpoint: p95 (ms)"
                unit="ms"
                series={latencySeries(c, 'p95_ms')}
                from={from}
                to={to}
              />
              <LineChart
                title="Queue depth (graphile-worker jobs due, not yet taken)"
                unit="jobs"
                series={[
                  { name: 'queue depth', points: c.queue_depth.map((p) => [Date.parse(p.at), p.depth]) },
                ]}
                from={from}
                to={to}
              />
              <p class="muted">
                Latency and queue depth are sampled by this Otto process every {c.sample_interval_seconds} s
                and kept in its memory; the Grafana dashboard (docs/grafana/) shows every process from
                Prometheus.
              </p>
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}
