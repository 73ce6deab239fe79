// The Grafana dashboard (docs/grafana/otto-dashboard.json) asks only for what Otto exposes: every metric a
// query names is in a running Otto's /metrics (histograms with their _bucket/_sum/_count series), and every
// label a query selects or groups by is a label of those metrics (or one Prometheus adds: instance, job).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCompany } from '../helpers/factories.ts';
import { TEST_ADMIN } from '../helpers/secrets.ts';
import { ROOT } from '../helpers/spawn.ts';
import { type Stack, startStack, waitFor } from '../helpers/stack.ts';

interface Exposed {
  names: Set<string>;
  /** labels seen on each series name (only for series that have samples) */
  labels: Map<string, Set<string>>;
}

/** Parses the Prometheus text exposition: TYPE lines name the metrics, sample lines carry the labels. */
function parseExposition(text: string): Exposed {
  const names = new Set<string>();
  const labels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type?.[1]) {
      names.add(type[1]);
      if (type[2] === 'histogram' || type[2] === 'summary')
        for (const s of ['_bucket', '_sum', '_count']) names.add(`${type[1]}${s}`);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!sample?.[1]) continue;
    const set = labels.get(sample[1]) ?? new Set<string>();
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) if (m[1]) set.add(m[1]);
    labels.set(sample[1], set);
  }
  return { names, labels };
}

const PROMETHEUS_LABELS = ['instance', 'job'];

/** What is wrong with one PromQL expression against what Otto exposes (empty: nothing). */
function problemsOf(expr: string, exposed: Exposed): string[] {
  const problems: string[] = [];
  // Otto's own metrics, and the HTTP duration histograms named by the OpenTelemetry conventions (D199)
  const used = [
    ...expr.matchAll(/\b((?:otto_|http_server_request_|http_client_request_)[a-zA-Z0-9_:]*)\s*(\{[^}]*\})?/g),
  ];
  if (used.length === 0) problems.push(`"${expr}" names no Otto metric`);
  const known = new Set<string>(PROMETHEUS_LABELS);
  for (const [, name = '', selector = ''] of used) {
    if (!exposed.names.has(name)) {
      problems.push(`${name} is not exposed by Otto`);
      continue;
    }
    const labels = exposed.labels.get(name);
    for (const l of labels ?? []) known.add(l);
    if (name.endsWith('_bucket')) known.add('le');
    for (const [, label = ''] of selector.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g))
      if (labels && !labels.has(label) && !PROMETHEUS_LABELS.includes(label))
        problems.push(`${name} has no label ${label}`);
  }
  for (const [, list = ''] of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g))
    for (const label of list
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean))
      if (!known.has(label)) problems.push(`"${expr}" groups by ${label}, which its metrics do not have`);
  return problems;
}

interface Panel {
  id: number;
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'docs/grafana/otto-dashboard.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string }[] };
};

let s: Stack;
let exposed: Exposed;
let scraped: string;

const ADMIN = TEST_ADMIN;
const scrape = async () => (await fetch(`${s.otto.url}/metrics`, { headers: ADMIN })).text();

beforeAll(async () => {
  s = await startStack({
    simulatorBeside: true,
    contractProxy: false,
    sim: { preset: 'happy', timeScale: 200 },
  });
  // Labelled series show their labels only once they have samples: one call goes through, after an
  // outage long enough to open a breaker, and one queued job waits for a task no worker runs.
  await s.admin('POST', '/faults', {
    kind: 'error',
    operations: ['transcribe'],
    count: 12,
    params: { status: 503, retryable: true },
  });
  const company = await buildCompany(s.db);
  const res = await fetch(`${s.otto.url}/api/v1/ops/companies/${company.id}/test-traffic`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'csr_call' }),
  });
  const { job_id } = (await res.json()) as { job_id: string };
  await waitFor(
    async () => (await scrape()).includes('otto_circuit_breaker_opens_total{'),
    'a breaker to open',
  );
  await s.admin('DELETE', '/faults');
  await waitFor(
    async () => (await s.db('shunya_jobs').where({ id: job_id }).first())?.job_status === 'succeeded',
    'the test call',
    30_000,
  );
  await s.db.raw(`SELECT graphile_worker.add_job('dashboard_probe_no_worker_runs_this', '{}'::json)`);
  scraped = await scrape();
  exposed = parseExposition(scraped);
});
afterAll(async () => {
  await s?.close();
});

describe('the Grafana dashboard', () => {
  it('has panels with queries, unique ids, and the Prometheus data source variable they use', () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    expect(dashboard.templating.list.map((v) => v.name)).toContain('datasource');
    for (const p of dashboard.panels) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it('names only metrics, and labels, that a running Otto exposes', () => {
    const problems = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) => problemsOf(t.expr, exposed).map((x) => `${p.title}: ${x}`)),
    );
    expect(problems).toEqual([]);
  });

  it('exposes the HTTP durations in the OpenTelemetry conventions, and the deprecated name still (D199)', () => {
    const series = (name: string, ...fragments: string[]) =>
      scraped.split('\n').filter((l) => l.startsWith(`${name}{`) && fragments.every((f) => l.includes(f)));
    expect(
      series(
        'http_server_request_duration_seconds_count',
        'http_request_method="POST"',
        'http_route="/api/v1/ops/companies/:company_id/test-traffic"',
        'http_response_status_code="202"',
      ),
    ).toHaveLength(1);
    expect(
      series(
        'http_client_request_duration_seconds_count',
        'http_request_method="POST"',
        'http_route="/api/v1/transcription/transcribe"',
        'http_response_status_code="503"',
        'error_type="503"',
        'server_address="127.0.0.1"',
      ),
    ).toHaveLength(1);
    expect(
      series(
        'otto_shunya_request_duration_seconds_count',
        'endpoint="POST /api/v1/transcription/transcribe"',
        'outcome="503"',
      ),
    ).toHaveLength(1);
    expect(scraped).toMatch(/^# HELP otto_shunya_request_duration_seconds Deprecated/m);
  });

  it('would catch a query for a metric or a label Otto does not have', () => {
    expect(problemsOf('rate(otto_jobs_processed_total[5m])', exposed)).toEqual([
      'otto_jobs_processed_total is not exposed by Otto',
    ]);
    expect(problemsOf('sum by (tenant) (otto_jobs{state="failed"})', exposed)).toEqual([
      'otto_jobs has no label state',
      '"sum by (tenant) (otto_jobs{state="failed"})" groups by tenant, which its metrics do not have',
    ]);
    expect(problemsOf('up', exposed)).toEqual(['"up" names no Otto metric']);
    expect(
      problemsOf('sum by (route) (rate(http_server_request_duration_seconds_count[5m]))', exposed),
    ).toEqual([
      '"sum by (route) (rate(http_server_request_duration_seconds_count[5m]))" groups by route, which its metrics do not have',
    ]);
  });
});
