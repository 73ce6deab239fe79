// `npm run bench -- --phases tracing`: CPU per call with OpenTelemetry tracing off and on (D201). The same
// load, alternately without OTEL_* and with them pointing at an OTLP/HTTP sink in this process (it answers
// 200 and keeps nothing, like a collector that keeps up), each round on a fresh database and fresh
// processes; the issue's bar is tracing on costing at most 10 % more Otto CPU per call.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Layout, PgServer } from '../lib/stack.ts';
import { type PhaseResult, type Progress, runPhase } from './phase.ts';
import type { PhaseProfiler } from './profile.ts';
import { startSystem } from './system.ts';

export interface TracingAbResult {
  rate: number;
  seconds: number;
  /** off and on ran at the same time in each round (--together), each at `rate` */
  together: boolean;
  rounds: {
    tracing: 'off' | 'on';
    /** Otto's processes */
    cpuMsPerCall: number;
    /** every process of the bench: Otto, the simulator, Postgres, the load generator */
    allCpuMsPerCall: number;
    sustainedCallsPerS: number;
    machineCpuUse: number;
  }[];
  offCpuMsPerCall: number;
  onCpuMsPerCall: number;
  /** on ÷ off − 1: the extra CPU per call tracing costs */
  overhead: number;
  /** each round's on ÷ off − 1 (a round's two halves run back to back, so they share the machine's load) */
  roundOverheads: number[];
  /** the median of roundOverheads: one round on a busy shared machine moves the mean */
  medianRoundOverhead: number;
  exportedRequests: number;
}

/** Otto's processes only: the simulator, Postgres and the load generator do the same work either way
 * (the first published run summed every process and called it Otto's). */
const ottoCpu = (r: PhaseResult) => r.cpuMsPerCall.otto ?? Number.NaN;
/** Every process of the bench, for the same comparison over the whole machine. */
const allCpu = (r: PhaseResult) => Object.values(r.cpuMsPerCall).reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function otlpSink() {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function runTracingAb(
  pg: PgServer,
  o: {
    rounds: number;
    rate: number;
    seconds: number;
    tenants: number;
    concurrency: number;
    layout: Layout;
    /** the source tree Otto runs from (--against's), this one by default */
    root?: string | undefined;
    /** --together: off and on run at the same time in each round, not one after the other (D362) */
    together?: boolean;
    /** --profile: a V8 CPU profile of every Otto process per phase, `tracing-on-round-1-<pid>.cpuprofile`… (D292) */
    profiler?: PhaseProfiler;
  },
  progress: Progress,
): Promise<TracingAbResult> {
  const sink = await otlpSink();
  const rounds: TracingAbResult['rounds'] = [];
  const start = async (tracing: 'off' | 'on', round: number) => {
    const database = `otto_tracing_${tracing}_${round}`;
    const env: Record<string, string> =
      tracing === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'otto-bench' } : {};
    const sys = await startSystem({
      pg,
      database,
      ...(o.root ? { root: o.root } : {}),
      layout: o.layout,
      concurrency: o.concurrency,
      tenants: o.tenants,
      env,
      ...(o.profiler && !o.together ? { profiler: o.profiler } : {}),
    });
    return {
      tracing,
      name: `tracing ${tracing} round ${round}`,
      sys,
      stop: async () => {
        await sys.stop();
        await pg.dropDatabase(database);
      },
    };
  };
  type Side = Awaited<ReturnType<typeof start>>;
  const measure = async (side: Side, report: Progress) => {
    await runPhase(side.sys, `${side.name} warm-up`, 20, 3, report);
    const r = await runPhase(side.sys, side.name, o.rate, o.seconds, report);
    console.log(`  ${side.name}: ${ottoCpu(r).toFixed(2)} ms Otto CPU per call`);
    return {
      tracing: side.tracing,
      cpuMsPerCall: ottoCpu(r),
      allCpuMsPerCall: allCpu(r),
      sustainedCallsPerS: r.sustainedCallsPerS,
      machineCpuUse: r.machineCpuUse,
    };
  };
  try {
    for (let round = 1; round <= o.rounds; round++) {
      if (o.together) {
        // both sides at once, each on its own database and processes: whatever else loads the machine
        // loads both alike, which alternating rounds do not give on a shared machine (D362)
        console.log(`Tracing A/B: tracing off and on together, round ${round}`);
        const sides: Side[] = [];
        try {
          sides.push(await start('off', round), await start('on', round));
          const [off, on] = await Promise.all(
            sides.map((side) => measure(side, side.tracing === 'on' ? progress : () => {})),
          );
          rounds.push(off as TracingAbResult['rounds'][number], on as TracingAbResult['rounds'][number]);
        } finally {
          for (const side of sides) await side.stop();
        }
        continue;
      }
      for (const tracing of ['off', 'on'] as const) {
        console.log(`Tracing A/B: tracing ${tracing} round ${round}`);
        const side = await start(tracing, round);
        try {
          rounds.push(await measure(side, progress));
        } finally {
          await side.stop();
        }
      }
    }
  } finally {
    await sink.close();
  }
  const offs = rounds.filter((r) => r.tracing === 'off').map((r) => r.cpuMsPerCall);
  const ons = rounds.filter((r) => r.tracing === 'on').map((r) => r.cpuMsPerCall);
  const off = mean(offs);
  const on = mean(ons);
  const roundOverheads = ons.map((x, i) => x / (offs[i] ?? Number.NaN) - 1);
  return {
    rate: o.rate,
    seconds: o.seconds,
    together: Boolean(o.together),
    rounds,
    offCpuMsPerCall: off,
    onCpuMsPerCall: on,
    overhead: on / off - 1,
    roundOverheads,
    medianRoundOverhead: median(roundOverheads),
    exportedRequests: sink.requests(),
  };
}

export function tracingMarkdown(t: TracingAbResult): string {
  const rows = t.rounds.map(
    (r) =>
      `| ${r.tracing} | ${r.cpuMsPerCall.toFixed(2)} | ${r.allCpuMsPerCall.toFixed(2)} | ${r.sustainedCallsPerS.toFixed(1)} | ${(r.machineCpuUse * 100).toFixed(0)} % |`,
  );
  return [
    `## Tracing off and on (${t.rate} calls/s for ${t.seconds} s per round${t.together ? ', both sides at the same time' : ''})`,
    '',
    '| tracing | Otto CPU ms per call | all processes, CPU ms per call | sustained calls/s | machine CPU use |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Mean of Otto's CPU per call: off ${t.offCpuMsPerCall.toFixed(2)} ms, on ${t.onCpuMsPerCall.toFixed(2)} ms: tracing costs ${(t.overhead * 100).toFixed(1)} % more CPU per call (the bar: ≤ 10 %). OTLP exports received: ${t.exportedRequests}.`,
    '',
    `Each round's on ÷ off − 1: ${t.roundOverheads.map((o) => `${(o * 100).toFixed(1)} %`).join(', ')}; median ${(t.medianRoundOverhead * 100).toFixed(1)} %.`,
    '',
  ].join('\n');
}
