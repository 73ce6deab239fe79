// The chaos run's figures and its markdown report.
import type { Machine } from '../lib/machine.ts';
import type { FleetFigures } from '../lib/stack.ts';

export interface Figures {
  postgresRestarts: number;
  postgresDownMs: number;
  triggers: {
    sent: number;
    acknowledged: number;
    duplicatesSent: number;
    retries: number;
    statuses: Record<string, number>;
  };
  sse: { received: number; reconnects: number };
}

export const newFigures = (): Figures => ({
  postgresRestarts: 0,
  postgresDownMs: 0,
  triggers: { sent: 0, acknowledged: 0, duplicatesSent: 0, retries: 0, statuses: {} },
  sse: { received: 0, reconnects: 0 },
});

export interface ChaosResult {
  started: string;
  seconds: number;
  machine: Machine;
  settings: {
    calls: number;
    tenants: number;
    rate: number;
    faultRate: number;
    killEveryS: number;
    seed: number;
    short: boolean;
    layout: string;
    faultRules: string[];
    otto: Record<string, string>;
  };
  figures: Figures;
  processes: FleetFigures;
  admission: {
    samples: number;
    overLimit: number;
    maxRunning: number;
    limit: number;
    countOff: number;
    orphanedLocks: number;
  };
  jobs: { job_type: string; job_status: string; n: number }[];
  webhookDeliveries: { verdict: string; n: number }[];
  simulator: { fault_hits: Record<string, number> };
  checks: Record<string, number>;
  coverage: { uniqueKeys: number; foreignKeys: number };
  violations: string[];
}

const list = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

export function renderChaos(r: ChaosResult): string {
  const f = r.figures;
  const p = r.processes;
  return [
    `# Chaos run, ${r.started}${r.settings.short ? ' (short)' : ''}`,
    '',
    `${r.settings.calls} triggers over ${r.settings.tenants} tenants at ${r.settings.rate}/s, simulator chaos preset at ${r.settings.faultRate * 100} %, ` +
      `${r.settings.layout}, one of them SIGKILLed every ${r.settings.killEveryS} s (workers and API processes in turn), seed ${r.settings.seed}. ` +
      `${r.seconds.toFixed(0)} s on ${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}.`,
    '',
    `**${r.violations.length === 0 ? 'No violations' : `${r.violations.length} violations`}.**`,
    '',
    '| what | figure |',
    '|---|---|',
    `| SIGKILLs: workers / API processes | ${p.kills.worker + p.kills.all} / ${p.kills.api} |`,
    `| process starts / failed starts (restarted by the supervisor) | ${p.starts} / ${p.failedStarts} |`,
    `| Postgres restarts (down ms) | ${f.postgresRestarts} (${f.postgresDownMs}) |`,
    `| unexpected process exits | ${p.unexpectedExits.length} |`,
    `| triggers acknowledged / requests sent / retries / duplicates sent | ${f.triggers.acknowledged} / ${f.triggers.sent} / ${f.triggers.retries} / ${f.triggers.duplicatesSent} |`,
    `| trigger answers by status | ${list(f.triggers.statuses)} |`,
    `| jobs by type and status | ${r.jobs.map((j) => `${j.job_type} ${j.job_status}: ${j.n}`).join(', ')} |`,
    `| Shunya webhook deliveries by verdict | ${r.webhookDeliveries.map((d) => `${d.verdict}: ${d.n}`).join(', ')} |`,
    `| faults injected by the simulator | ${list(r.simulator.fault_hits)} |`,
    `| SSE events received / reconnects | ${f.sse.received} / ${f.sse.reconnects} |`,
    `| admission sampled every second: samples / most jobs one tenant ran / samples over the limit (${r.admission.limit}) | ${r.admission.samples} / ${r.admission.maxRunning} / ${r.admission.overLimit} |`,
    '',
    `Checked: ${r.coverage.uniqueKeys} unique keys and ${r.coverage.foreignKeys} foreign keys of the schema, every acknowledged trigger, every job, every event and every tenant's stream.`,
    '',
    '| check | count (must be 0) |',
    '|---|---|',
    ...Object.entries(r.checks).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    ...(r.violations.length
      ? ['Violations:', '', ...r.violations.slice(0, 100).map((v) => `- ${v}`), '']
      : []),
  ].join('\n');
}
