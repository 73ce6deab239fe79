// The benchmark's markdown summary and its chart (an SVG with no dependencies).

import type { Dist } from './measure.ts';
import type { BenchResult } from './run.ts';

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const d = (x: Dist) => `${f(x.p50)} / ${f(x.p90)} / ${f(x.p99)}`;

export function renderMarkdown(r: BenchResult, svg: string): string {
  const target = r.phases.find((p) => p.label === 'target load');
  const half = r.phases.find((p) => p.label === 'half load');
  const sla = r.phases.find((p) => p.label === 'SLA profile');
  const halfReached = r.phases.find((p) => p.label === 'half of reached');
  const lines = [
    `# Otto benchmark, ${r.started}`,
    '',
    `Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}. ` +
      `Otto, the simulator, Postgres and the load generator share it. Postgres: ${String(r.settings.postgres)}. ` +
      `graphile-worker concurrency ${String(r.settings.workerConcurrency)}; ${String(r.settings.tenants)} tenants.`,
    '',
    '| phase | offered calls/s | sent | succeeded | not terminal | sustained calls/s | trigger HTTP ms p50/p90/p99 | trigger → submitted ms | webhook in → readable ms | end to end ms | SQL statements per call | Otto RSS MB p50/max |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.phases.map(
      (p) =>
        `| ${p.label} | ${f(p.offeredRate, 0)} | ${p.sent} | ${p.succeeded} | ${p.notTerminal} | ${f(p.sustainedCallsPerS)} | ${d(p.triggerHttpMs)} | ${d(p.triggerToSubmittedMs)} | ${d(p.webhookToReadableMs)} | ${d(p.endToEndMs)} | ${f(p.sqlStatementsPerCall)} | ${f(p.ottoRssMb.p50, 0)} / ${f(p.ottoRssMb.max, 0)} |`,
    ),
    '',
    '"not terminal": calls unfinished 120 s after the phase stopped sending; they finish before the next phase ' +
      'starts, which waits for every earlier call: ' +
      r.phases
        .map(
          (p) =>
            `${p.label} waited ${f(p.backlogWaitS, 0)} s${p.startedWithBacklog > 0 ? ` (${p.startedWithBacklog} still unfinished)` : ''}`,
        )
        .join(', ') +
      '.',
    '',
    'CPU milliseconds per call, by process (and the share of the machine used during the phase):',
    '',
    '| phase | Otto | simulator | Postgres | load generator | machine CPU use |',
    '|---|---|---|---|---|---|',
    ...r.phases.map(
      (p) =>
        `| ${p.label} | ${f(p.cpuMsPerCall.otto ?? Number.NaN)} | ${f(p.cpuMsPerCall.simulator ?? Number.NaN)} | ${f(p.cpuMsPerCall.postgres ?? Number.NaN)} | ${f(p.cpuMsPerCall.loadGenerator ?? Number.NaN)} | ${f(p.machineCpuUse * 100, 0)} % |`,
    ),
    '',
    '## Against the targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    `| ≥ 120 calls/s sustained for 60 s | ${f(target?.sustainedCallsPerS ?? Number.NaN)} calls/s over ${String(r.settings.seconds)} s | ${(target?.sustainedCallsPerS ?? 0) >= 120 ? 'yes' : 'no'} |`,
    `| webhook in → readable p99 < 50 ms at half load | ${f(half?.webhookToReadableMs.p99 ?? Number.NaN)} ms | ${(half?.webhookToReadableMs.p99 ?? Number.POSITIVE_INFINITY) < 50 ? 'yes' : 'no'} |`,
    `| (same, at half of the load reached: ${f(halfReached?.offeredRate ?? Number.NaN, 0)} calls/s) | ${f(halfReached?.webhookToReadableMs.p99 ?? Number.NaN)} ms | ${(halfReached?.webhookToReadableMs.p99 ?? Number.POSITIVE_INFINITY) < 50 ? 'yes' : 'no'} |`,
    `| second tenant's p99 delay < 1 s during a ${r.fairness.flood}-call flood | end to end p99 ${f(r.fairness.bystanderEndToEndMs.p99)} ms (${r.fairness.bystanderCalls} calls) | ${r.fairness.bystanderEndToEndMs.p99 < 1000 ? 'yes' : 'no'} |`,
    '',
    '## Details',
    '',
    `- SLA profile (time scale ${r.sla.timeScale}): end to end p50 ${f(sla?.endToEndMs.p50 ?? Number.NaN, 0)} ms real, of which Shunya's simulated processing p50 ${f(r.sla.shunyaProcessingMsP50, 0)} ms.`,
    `- Fairness: the flooding tenant's ${r.fairness.flood} calls finished (${r.fairness.floodSucceeded} succeeded, ${r.fairness.floodNotTerminal} not terminal; end to end p50/p90/p99 ${d(r.fairness.floodEndToEndMs)} ms) while the other tenant's calls took ${d(r.fairness.bystanderEndToEndMs)} ms end to end (trigger → submitted ${d(r.fairness.bystanderTriggerToSubmittedMs)} ms).`,
    `- Reference: graphile-worker runs ${f(r.reference.graphileNoopJobsPerS, 0)} no-op jobs/s on the same database; Otto's ${f(r.reference.ottoCallsPerS)} calls/s is ${f(r.reference.ratio * 100, 1)} % of that (a call is ${f(r.reference.shunyaOperationsPerJob, 1)} Shunya operations and several graphile-worker jobs).`,
    `- Simulator RSS p50/max: ${f(r.simulatorRssMb.p50, 0)} / ${f(r.simulatorRssMb.max, 0)} MB.`,
    '',
    `![completions per second](${svg})`,
    '',
  ];
  return lines.join('\n');
}

export function renderSvg(r: BenchResult): string {
  const W = 760;
  const H = 300;
  const m = { l: 50, r: 20, t: 30, b: 40 };
  const series = r.phases.map((p) => p.timeline);
  const maxX = Math.max(10, ...series.flat().map((p) => p.second));
  const maxY = Math.max(10, Number(r.settings.rate) * 1.25, ...series.flat().map((p) => p.completed));
  const x = (s: number) => m.l + (s / maxX) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / maxY) * (H - m.t - m.b);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const paths = r.phases
    .map((p, i) => {
      const pts = p.timeline.map((q) => `${x(q.second).toFixed(1)},${y(q.completed).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${colors[i % colors.length]}" stroke-width="1.5" points="${pts}"/>
<text x="${W - m.r - 150}" y="${m.t + 14 * i}" fill="${colors[i % colors.length]}" font-size="12">${p.label} (${f(p.offeredRate, 0)}/s offered)</text>`;
    })
    .join('\n');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<text x="${m.l - 8}" y="${y(t * maxY) + 4}" text-anchor="end" font-size="11">${Math.round(t * maxY)}</text>`,
    )
    .join('');
  const target = Number(r.settings.rate);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" role="img">
<title>Otto benchmark: calls completed per second in each phase</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${m.l}" y="18" font-size="13">Calls completed per second since each phase began</text>
<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#333"/>
<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#333"/>
<line x1="${m.l}" y1="${y(target)}" x2="${W - m.r}" y2="${y(target)}" stroke="#999" stroke-dasharray="4 3"/>
<text x="${m.l + 4}" y="${y(target) - 4}" font-size="11" fill="#666">target ${target}/s</text>
${ticks}
<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="11">seconds</text>
${paths}
</svg>
`;
}
