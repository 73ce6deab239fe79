// The compiled simulator's V8 profile under the sim-soak's driver (D590): `node --import tsx
// scripts/bench/simprof.ts <out dir> [--calls 2000] [--tree <source tree>]` compiles the tree's simulator
// (D490), runs simSoak (simsoak.ts, default window) at it with `--cpu-prof` added to its flags, and prints
// where its busy time went: by the package it was spent for and by self time (profile-summary.ts).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SIMULATOR_NODE_FLAGS } from '../../simulator/options.ts';
import { DEFAULT_RETENTION_S } from '../../simulator/retention.ts';
import { ROOT } from '../lib/procs.ts';
import { compileSimulator } from '../lib/simulator-js.ts';
import { summarise } from './profile-summary.ts';
import { simSoak } from './simsoak.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    calls: { type: 'string', default: '2000' },
    tree: { type: 'string' },
    top: { type: 'string', default: '30' },
  },
});
const out = positionals[0];
if (!out) throw new Error('usage: simprof.ts <out dir> [--calls N] [--tree <source tree>]');
const dir = path.resolve(out);
mkdirSync(dir, { recursive: true });
const main = compileSimulator(values.tree ? path.resolve(values.tree) : ROOT);
const run = await simSoak(Number(values.calls), DEFAULT_RETENTION_S, () => {}, {
  main,
  nodeFlags: [...SIMULATOR_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`],
});
const s = summarise(dir);
const pct = (ms: number) => ((100 * ms) / s.total).toFixed(1);
const rows = (m: Map<string, number>) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top))
    .map(([k, ms]) => `| ${k} | ${ms.toFixed(0)} | ${pct(ms)} |`);
console.log(
  [
    `${run.calls} calls, ${run.failed} failed, ${run.cpuMsPerCall.toFixed(2)} ms CPU per call (with the profiler); busy samples ${s.total.toFixed(0)} ms`,
    '',
    '### By the package the time was spent for',
    '',
    '| owner | ms | % |',
    '|---|---:|---:|',
    ...rows(s.byOwner),
    '',
    '### Self time by package or subsystem',
    '',
    '| category | ms | % |',
    '|---|---:|---:|',
    ...rows(s.byCategory),
    '',
    '### Functions by self time',
    '',
    '| function | ms | % |',
    '|---|---:|---:|',
    ...rows(s.byFunction),
  ].join('\n'),
);
