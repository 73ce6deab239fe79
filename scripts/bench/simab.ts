// The simulator's CPU per call, side by side (D542): `node --import tsx scripts/bench/simab.ts <baseline
// tree> [--calls 20000] [--rounds 1]` compiles the baseline tree's simulator and this tree's (D490), and runs
// the sim-soak (simsoak.ts: whole CSR calls straight at a simulator, the default retention window) at both
// at once, so that both meet the same machine at the same moment; on a shared machine only their ratio
// means something. The baseline tree is a checkout with its node_modules (e.g. a copy of /work/base/<sha>).
// Writes bench/results/<stamp>-simab.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RETENTION_S } from '../../simulator/retention.ts';
import { ROOT } from '../lib/procs.ts';
import { compileSimulator } from '../lib/simulator-js.ts';
import { type SimSoakRun, simSoak } from './simsoak.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { calls: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '1' } },
});
const baselineTree = positionals[0];
if (!baselineTree) throw new Error('usage: simab.ts <baseline tree> [--calls N] [--rounds N]');
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const sides = {
  baseline: compileSimulator(path.resolve(baselineTree)),
  tree: compileSimulator(ROOT),
};

interface Round {
  loadBefore: number[];
  loadAfter: number[];
  baseline: SimSoakRun;
  tree: SimSoakRun;
}
const results: Round[] = [];
const quiet = () => {};
for (let r = 1; r <= rounds; r++) {
  const loadBefore = loadavg();
  const [baseline, tree] = await Promise.all([
    simSoak(calls, DEFAULT_RETENTION_S, quiet, { main: sides.baseline }),
    simSoak(calls, DEFAULT_RETENTION_S, quiet, { main: sides.tree }),
  ]);
  results.push({ loadBefore, loadAfter: loadavg(), baseline, tree });
  console.log(
    `round ${r}: CPU per call ${baseline.cpuMsPerCall.toFixed(2)} ms (baseline) vs ${tree.cpuMsPerCall.toFixed(2)} ms (tree), ` +
      `ratio ${(tree.cpuMsPerCall / baseline.cpuMsPerCall).toFixed(3)}; RSS ${baseline.rssMb.toFixed(1)} vs ${tree.rssMb.toFixed(1)} MB`,
  );
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const dir = path.join(ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const row = (name: string, x: Round) =>
  `| ${name} | ${x.baseline.cpuMsPerCall.toFixed(2)} | ${x.tree.cpuMsPerCall.toFixed(2)} | ` +
  `${(x.tree.cpuMsPerCall / x.baseline.cpuMsPerCall).toFixed(3)} | ${x.baseline.rssMb.toFixed(1)} / ` +
  `${(x.baseline.rssAtRestMb ?? 0).toFixed(1)} | ${x.tree.rssMb.toFixed(1)} / ${(x.tree.rssAtRestMb ?? 0).toFixed(1)} | ` +
  `${x.baseline.failed + x.tree.failed} | ${x.loadBefore[0]?.toFixed(1)}–${x.loadAfter[0]?.toFixed(1)} |`;
const md = [
  `# The simulator's CPU per call side by side (${stamp})`,
  '',
  `${calls} whole CSR calls at each simulator, both soaks at once, default retention window (${DEFAULT_RETENTION_S} s);`,
  `baseline: ${baselineTree}; tree: ${ROOT}. CPU is the simulator process's user + system time while it`,
  'served the calls; RSS after the calls, then at rest (simsoak.ts, D494).',
  '',
  '| round | baseline ms/call | tree ms/call | tree ÷ baseline | baseline RSS / at rest MB | tree RSS / at rest MB | failed calls | load average |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  ...results.map((x, i) => row(String(i + 1), x)),
  '',
].join('\n');
writeFileSync(
  path.join(dir, `${stamp}-simab.json`),
  `${JSON.stringify({ calls, baselineTree, results }, null, 2)}\n`,
);
writeFileSync(path.join(dir, `${stamp}-simab.md`), md);
console.log(md);
