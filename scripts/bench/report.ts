// The benchmark's markdown summary and its chart (an SVG with no dependencies).
import type { AbResult, AbSide } from './ab.ts';
import type { FairnessResult } from './fairness.ts';
import type { Dist } from './measure.ts';
import type { PgCpuResult } from './pgcpu.ts';
import type { PhaseResult } from './phase.ts';
import type { BenchResult } from './run.ts';
import type { SimMemory as SimSoakMemory } from './simsoak.ts';

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const d = (x: Dist) => `${f(x.p50)} / ${f(x.p90)} / ${f(x.p99)}`;
const cpu = (p: PhaseResult, k: string) => f(p.cpuMsPerCall[k] ?? Number.NaN);

function phaseTables(phases: PhaseResult[]): string[] {
  if (phases.length === 0) return [];
  return [
    '| phase | offered calls/s | sent | succeeded | not terminal | sustained calls/s | trigger HTTP ms p50/p90/p99 | trigger → submitted ms | webhook in → readable ms | end to end ms | SQL statements per call | Otto RSS MB p50/max |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...phases.map(
      (p) =>
        `| ${p.label} | ${f(p.offeredRate, 0)} | ${p.sent} | ${p.succeeded} | ${p.notTerminal} | ${f(p.sustainedCallsPerS)} | ${d(p.triggerHttpMs)} | ${d(p.triggerToSubmittedMs)} | ${d(p.webhookToReadableMs)} | ${d(p.endToEndMs)} | ${f(p.sqlStatementsPerCall)} | ${f(p.ottoRssMb.p50, 0)} / ${f(p.ottoRssMb.max, 0)} |`,
    ),
    '',
    '"not terminal": calls unfinished 120 s after the phase stopped sending; they finish before the next phase ' +
      'starts, which waits for every earlier call: ' +
      phases
        .map(
          (p) =>
            `${p.label} waited ${f(p.backlogWaitS, 0)} s${p.startedWithBacklog > 0 ? ` (${p.startedWithBacklog} still unfinished)` : ''}`,
        )
        .join(', ') +
      '. Otto RSS is the sum over its processes.',
    '',
    'CPU milliseconds per call, by process (Otto: all its processes), Postgres time per call, and the share of the machine used:',
    '',
    '| phase | Otto | simulator | Postgres | load generator | Postgres exec / plan ms per call | machine CPU use |',
    '|---|---|---|---|---|---|---|',
    ...phases.map(
      (p) =>
        `| ${p.label} | ${cpu(p, 'otto')} | ${cpu(p, 'simulator')} | ${cpu(p, 'postgres')} | ${cpu(p, 'loadGenerator')} | ${f(p.sqlExecMsPerCall)} / ${f(p.sqlPlanMsPerCall)} | ${f(p.machineCpuUse * 100, 0)} % |`,
    ),
    '',
  ];
}

/** Per phase: Postgres's costliest statements (planning included) and, with --profile, Otto's hottest
 * functions (D292); the simulator's RSS and what its retention window holds (D290). */
function profileLines(phases: PhaseResult[]): string[] {
  const out: string[] = [];
  const withSim = phases.filter((p) => p.simulator);
  if (withSim.length > 0)
    out.push(
      "The simulator after each phase (one simulator per system; transcriptions counted since it started; retention window: the simulator's default):",
      '',
      '| phase | simulator RSS MB | transcriptions since start | jobs held | idempotency keys held |',
      '|---|---|---|---|---|',
      ...withSim.map(
        (p) =>
          `| ${p.label} | ${f(p.simulator?.rssMb ?? Number.NaN, 0)} | ${p.simulator?.transcriptionsSinceStart} | ${p.simulator?.jobsHeld} | ${p.simulator?.idempotencyKeys} |`,
      ),
      '',
    );
  for (const p of phases.filter((x) => !/warm-up/.test(x.label))) {
    const top = (p.topStatementsByTime ?? []).slice(0, 8);
    if (top.length === 0 && !p.profile && !p.postgres) continue;
    out.push(`### Profile: ${p.label}`, '');
    if (top.length > 0)
      out.push(
        'Postgres, statements by total time (execution + planning):',
        '',
        '| statement | calls per call | total ms (exec + plan) | mean exec ms | mean plan ms |',
        '|---|---|---|---|---|',
        ...top.map(
          (t) =>
            `| \`${t.query.replace(/\|/g, '\\|').slice(0, 110)}\` | ${f(t.perCall, 2)} | ${f(t.total_with_plan_ms, 0)} (${f(t.total_ms, 0)} + ${f(t.plan_ms, 0)}) | ${f(t.mean_ms, 3)} | ${f(t.mean_plan_ms, 3)} |`,
        ),
        '',
      );
    if (p.postgres) out.push(...postgresCpuLines(p.postgres));
    if (p.profile) {
      const pr = p.profile;
      out.push(
        `Otto, V8 CPU profile (${f(pr.sampledMs / 1000, 1)} s sampled over its processes; ${pr.files.map((x) => `\`${x}\``).join(', ')}), self time by package: ` +
          pr.byPackage
            .slice(0, 8)
            .map((b) => `${b.pkg} ${f(b.share * 100, 0)} %`)
            .join(', '),
        '',
        '| function | where | self ms | share |',
        '|---|---|---|---|',
        ...pr.topSelf
          .slice(0, 12)
          .map((t) => `| \`${t.fn}\` | ${t.where} | ${f(t.selfMs, 0)} | ${f(t.share * 100, 1)} % |`),
        '',
      );
    }
  }
  return out;
}

/** Postgres's CPU by process group and the server's own work over one phase (D530). */
export function postgresCpuLines(pg: PgCpuResult): string[] {
  const total = Object.values(pg.msPerCall).reduce((a, b) => a + b, 0);
  const groups = Object.entries(pg.msPerCall).sort((a, b) => b[1] - a[1]);
  const tables = Object.entries(pg.tuplesPerCall)
    .map(([t, x]) => ({ t, ...x, ...(pg.autovacuum[t] ?? { vacuums: 0, analyzes: 0 }) }))
    .sort((a, b) => b.ins + b.upd + b.del - (a.ins + a.upd + a.del))
    .slice(0, 10);
  return [
    `Postgres CPU by process (${f(total, 2)} ms per call; backends started ${pg.backendsStarted}, ended ${pg.backendsEnded}; ` +
      `WAL ${f(pg.walBytesPerCall / 1024, 1)} kB, ${f(pg.walRecordsPerCall, 0)} records and ${f(pg.walFpiPerCall, 1)} full-page images per call; ` +
      `${pg.walSyncsPerCall === undefined ? '' : `${f(pg.walSyncsPerCall, 1)} WAL syncs per call; `}` +
      `checkpoints ${pg.checkpoints.timed} timed, ${pg.checkpoints.requested} requested):`,
    '',
    '| process | CPU ms per call | of which system | share | processes |',
    '|---|---|---|---|---|',
    ...groups.map(
      ([g, ms]) =>
        `| ${g} | ${f(ms, 2)} | ${pg.systemMsPerCall?.[g] === undefined ? '—' : f(pg.systemMsPerCall[g], 2)} | ${f((ms / (total || 1)) * 100, 0)} % | ${pg.backends[g] ?? (g === 'postmaster' ? 1 : '—')} |`,
    ),
    '',
    ...(tables.length > 0
      ? [
          'Rows written per call and autovacuum runs during the phase, by table:',
          '',
          '| table | inserted | updated (HOT) | deleted | autovacuums | autoanalyzes |',
          '|---|---|---|---|---|---|',
          ...tables.map(
            (x) =>
              `| ${x.t} | ${f(x.ins, 2)} | ${f(x.upd, 2)} (${f(x.hot, 2)}) | ${f(x.del, 2)} | ${x.vacuums} | ${x.analyzes} |`,
          ),
          '',
        ]
      : []),
    ...(pg.unscannedIndexes?.length
      ? [
          `Indexes of these tables that no statement scanned during the phase: ${pg.unscannedIndexes.map((x) => `\`${x.index}\``).join(', ')}.`,
          '',
        ]
      : []),
  ];
}

function simSoakLines(r: BenchResult): string[] {
  if (!r.simSoak?.length) return [];
  return [
    '## The simulator after a long run',
    '',
    `Whole CSR calls as Otto makes them, straight at a simulator process (32 at a time over 200 tenants; Node flags: ${r.simSoak[0]?.nodeFlags?.join(' ') || 'none'}; environment: ${
      Object.entries(r.simSoak[0]?.env ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'none'
    }; ${r.simSoak[0]?.main ? `compiled, ${r.simSoak[0].main}` : 'from source under tsx'}), then its RSS once a sweep has run, and again after 30 s with no request (at rest):`,
    '',
    '| retention window s | calls | failed | seconds | simulator RSS MB | RSS MB at rest | simulator CPU ms per call | jobs held | idempotency keys held | webhook log entries |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.simSoak.map(
      (x) =>
        `| ${x.retentionS} | ${x.calls} | ${x.failed} | ${f(x.seconds, 0)} | ${f(x.rssMb, 0)} | ${x.rssAtRestMb === undefined ? '—' : f(x.rssAtRestMb, 0)} | ${x.cpuMsPerCall === undefined ? '—' : f(x.cpuMsPerCall, 2)} | ${x.jobsHeld} | ${x.idempotencyKeys} | ${x.webhookLog} |`,
    ),
    '',
    ...simMemoryLines(r.simSoak),
  ];
}

/** Where the RSS is (D440): the kernel's split, V8's heap, and the same after a full collection. */
function simMemoryLines(runs: NonNullable<BenchResult['simSoak']>): string[] {
  const read = runs.filter((x) => x.memory);
  if (read.length === 0) return [];
  const row = (x: (typeof read)[number], when: string, m: NonNullable<SimSoakMemory['afterGc']>) => {
    const old = m.heapSpaces.old_space;
    return `| ${x.retentionS} | ${when} | ${f(m.rssMb, 0)} | ${f(m.rssFileMb, 0)} | ${f(m.rssAnonMb, 0)} | ${f(m.heapTotalMb, 1)} | ${f(m.heapUsedMb, 1)} | ${old ? `${f(old.sizeMb, 1)} / ${f(old.usedMb, 1)}` : '—'} | ${f(m.externalMb, 1)} | ${f(m.rssAnonMb - m.heapTotalMb, 0)} | ${m.threads} |`;
  };
  const env = Object.entries(runs[0]?.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return [
    `Where the simulator's RSS is, read inside it after the figures above, then after two full collections${env.length ? ` (environment: ${env.join(' ')})` : ''}:`,
    '',
    "| window s | when | RSS MB | file-backed (the node binary) | anonymous | V8 heap total | V8 heap used | old space size / used | external | anonymous outside V8's heap | threads |",
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...read.flatMap((x) => {
      const m = x.memory as SimSoakMemory;
      return [row(x, 'as it ran', m.before), ...(m.afterGc ? [row(x, 'after full GC', m.afterGc)] : [])];
    }),
    '',
  ];
}

function fairnessLines(runs: FairnessResult[]): string[] {
  if (runs.length === 0) return [];
  return [
    '## Fairness',
    '',
    '| run | flood sent / acknowledged / with a job | flood jobs by status | flood end to end ms | last expected start of a waiting flood job | bystander calls | bystander trigger HTTP ms | bystander trigger → submitted ms | bystander end to end ms p50/p90/p99 |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.label} | ${r.flood} / ${r.floodAcknowledged} / ${r.floodJobsFound} | ${r.floodJobs.map((j) => `${j.status} ${j.n}`).join(', ')} | ${d(r.floodEndToEndMs)} | ${r.floodLastExpectedStart ?? '—'} | ${r.bystanderCalls} | ${d(r.bystanderTriggerHttpMs)} | ${d(r.bystanderTriggerToSubmittedMs)} | ${d(r.bystanderEndToEndMs)} |`,
    ),
    '',
  ];
}

const AB_CPU_KEYS = ['otto', 'simulator', 'postgres', 'loadGenerator'];
const sideName = (s: AbSide) => `${s.label} (${s.ref}, ${s.commit.replace(/^(\w{10})\w*/, '$1')})`;

function abSideRow(s: AbSide): string {
  return `| ${sideName(s)} | ${s.rounds.map((r) => f(r.sustainedCallsPerS)).join(', ')} | ${f(s.meanSustainedCallsPerS)} | ${f(s.meanStatementsPerCall)} | ${AB_CPU_KEYS.map((k) => f(s.meanCpuMsPerCall[k] ?? Number.NaN)).join(' / ')} | ${s.rounds.map((r) => d(r.endToEndMs)).join('; ')} |`;
}

/** Statements per call at both loads of each round (D430): the issue's two bars side by side. */
function abHalfRow(s: AbSide): string {
  // results written before D430 have no half phase
  const half = s.halfRounds ?? [];
  return `| ${sideName(s)} | ${s.rounds.map((r) => f(r.sqlStatementsPerCall)).join(', ')} | ${f(s.meanStatementsPerCall)} | ${half.map((r) => f(r.offeredRate, 0)).join(', ')} | ${half.map((r) => f(r.sqlStatementsPerCall)).join(', ')} | ${f(s.meanHalfStatementsPerCall ?? Number.NaN)} | ${AB_CPU_KEYS.map((k) => f(s.meanHalfCpuMsPerCall?.[k] ?? Number.NaN)).join(' / ')} |`;
}

function abLines(ab: AbResult): string[] {
  return [
    '## A/B',
    '',
    `${ab.rate} calls/s offered for ${ab.seconds} s over ${ab.tenants} tenants, ${ab.layout}, graphile-worker concurrency ${ab.concurrency}; ` +
      `rounds in this order: ${ab.order.join(', ')}. Each round: a fresh database, simulator and Otto, a 40 calls/s warm-up, the target-load phase, then ${f(ab.halfSeconds ?? Number.NaN, 0)} s at half of the throughput that round's target phase reached (its half-reached phase).`,
    '',
    `**abRatio (throughput new ÷ baseline) = ${f(ab.abRatio, 2)}**`,
    '',
    '| side | sustained calls/s by round | mean | SQL statements per call | CPU ms per call: Otto / simulator / Postgres / load generator | end to end ms p50/p90/p99 by round |',
    '|---|---|---|---|---|---|',
    abSideRow(ab.baseline),
    abSideRow(ab.workingTree),
    '',
    'SQL statements per call at target load and at half of the load reached, by round:',
    '',
    '| side | target: statements per call by round | target: mean | half of reached: calls/s offered by round | half of reached: statements per call by round | half of reached: mean | half of reached: CPU ms per call, Otto / simulator / Postgres / load generator |',
    '|---|---|---|---|---|---|---|',
    abHalfRow(ab.baseline),
    abHalfRow(ab.workingTree),
    '',
  ];
}

export function renderMarkdown(r: BenchResult, svg: string): string {
  const target = r.phases.find((p) => p.label === 'target load');
  const halfReached = r.phases.find((p) => p.label === 'half of reached');
  const sla = r.phases.find((p) => p.label === 'SLA profile');
  const quota = r.fairness.find((x) => x.quotaPerHour === 'default');
  const s = r.settings;
  const lines = [
    `# Otto benchmark, ${r.started}`,
    '',
    `Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}. ` +
      `Otto, the simulator, Postgres and the load generator share it. Postgres: ${String(s.postgres)}. ` +
      `${String(s.layout)}; graphile-worker concurrency ${String(s.workerConcurrency)}; ${s.tenants} tenants.`,
    '',
    ...(r.ab ? abLines(r.ab) : []),
    ...phaseTables(r.phases),
    ...fairnessLines(r.fairness),
    ...simSoakLines(r),
    ...(r.ab
      ? []
      : [
          '## Against the targets',
          '',
          '| target | measured | met |',
          '|---|---|---|',
          `| ≥ 120 calls/s sustained for 60 s | ${f(target?.sustainedCallsPerS ?? Number.NaN)} calls/s over ${s.seconds} s | ${(target?.sustainedCallsPerS ?? 0) >= 120 ? 'yes' : 'no'} |`,
          `| ≤ 24 SQL statements per CSR call in the target phase | ${f(target?.sqlStatementsPerCall ?? Number.NaN)} | ${(target?.sqlStatementsPerCall ?? Number.POSITIVE_INFINITY) <= 24 ? 'yes' : 'no'} |`,
          `| webhook in → readable p99 < 50 ms at half of the load reached (${f(halfReached?.offeredRate ?? Number.NaN, 0)} calls/s) | ${f(halfReached?.webhookToReadableMs.p99 ?? Number.NaN)} ms | ${(halfReached?.webhookToReadableMs.p99 ?? Number.POSITIVE_INFINITY) < 50 ? 'yes' : 'no'} |`,
          `| second tenant's end-to-end p99 < 1 s during a ${s.flood}-call flood (quota at its default) | ${quota ? `${f(quota.bystanderEndToEndMs.p99)} ms (${quota.bystanderCalls} calls)` : 'not run'} | ${quota ? (quota.bystanderEndToEndMs.p99 < 1000 ? 'yes' : 'no') : '—'} |`,
          '',
        ]),
    '## Details',
    '',
    ...(sla && r.sla
      ? [
          `- SLA profile (time scale ${r.sla.timeScale}): end to end p50 ${f(sla.endToEndMs.p50, 0)} ms real, of which Shunya's simulated processing p50 ${f(r.sla.shunyaProcessingMsP50, 0)} ms.`,
        ]
      : []),
    ...(r.reference
      ? [
          `- Reference: graphile-worker runs ${f(r.reference.graphileNoopJobsPerS, 0)} no-op jobs/s on the same database; Otto's ${f(r.reference.ottoCallsPerS)} calls/s is ${f(r.reference.ratio * 100, 1)} % of that.`,
        ]
      : []),
    `- Statements are top-level statements counted by pg_stat_statements (a call of a SQL function such as graphile_worker.add_job counts once), BEGIN and COMMIT included.`,
    '',
    `![completions per second](${svg})`,
    '',
    ...(r.ab || r.phases.length > 0 ? ['## Profiles per phase', ''] : []),
    ...profileLines(r.ab ? abPhases(r.ab) : r.phases),
  ];
  return lines.join('\n');
}

export function renderSvg(r: BenchResult): string {
  const W = 760;
  const H = 300;
  const m = { l: 50, r: 20, t: 30, b: 40 };
  const phases = r.ab ? r.ab.order.map((label) => findRound(r.ab as AbResult, label)) : r.phases;
  const series = phases.map((p) => p.timeline);
  const maxX = Math.max(10, ...series.flat().map((p) => p.second));
  const maxY = Math.max(10, Number(r.settings.rate) * 1.25, ...series.flat().map((p) => p.completed));
  const x = (s: number) => m.l + (s / maxX) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / maxY) * (H - m.t - m.b);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];
  const paths = phases
    .map((p, i) => {
      const pts = p.timeline.map((q) => `${x(q.second).toFixed(1)},${y(q.completed).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${colors[i % colors.length]}" stroke-width="1.5" points="${pts}"/>
<text x="${W - m.r - 190}" y="${m.t + 14 * i}" fill="${colors[i % colors.length]}" font-size="12">${p.label} (${f(p.offeredRate, 0)}/s offered)</text>`;
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
<text x="${m.l + 4}" y="${y(target) - 4}" font-size="11" fill="#666">offered ${target}/s</text>
${ticks}
<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="11">seconds</text>
${paths}
</svg>
`;
}

const abPhases = (ab: AbResult) => [
  ...ab.baseline.rounds,
  ...(ab.baseline.halfRounds ?? []),
  ...ab.workingTree.rounds,
  ...(ab.workingTree.halfRounds ?? []),
];

function findRound(ab: AbResult, label: string): PhaseResult {
  return [...ab.baseline.rounds, ...ab.workingTree.rounds].find((p) => p.label === label) as PhaseResult;
}
