// The A/B's markdown (D430): statements per call at target load and at half of the load reached, for
// both sides, by round, so the lead's one A/B run shows both of issue 21's statement bars.
import { describe, expect, it } from 'vitest';
import type { AbResult, AbSide } from '../../scripts/bench/ab.ts';
import type { PhaseResult } from '../../scripts/bench/phase.ts';
import { renderMarkdown } from '../../scripts/bench/report.ts';
import type { BenchResult } from '../../scripts/bench/run.ts';

const dist = { p50: 1, p90: 2, p99: 3, max: 4, n: 1 };
const phase = (label: string, rate: number, statements: number, sustained = 50): PhaseResult =>
  ({
    label,
    offeredRate: rate,
    sustainedCallsPerS: sustained,
    sqlStatementsPerCall: statements,
    cpuMsPerCall: { otto: 7, simulator: 3, postgres: 12, loadGenerator: 1 },
    endToEndMs: dist,
    topStatementsByTime: [],
  }) as unknown as PhaseResult;

const side = (label: AbSide['label'], target: number, half: number): AbSide => ({
  label,
  ref: label === 'baseline' ? 'bd98d3d' : 'HEAD',
  commit: 'bd98d3ddf1bbee7f562e165b066fbcca4c4abe54',
  rounds: [phase(`${label} round 1`, 120, target)],
  halfRounds: [phase(`${label} round 1, half of reached`, 25, half)],
  meanSustainedCallsPerS: 50,
  meanStatementsPerCall: target,
  meanHalfStatementsPerCall: half,
  meanCpuMsPerCall: { otto: 7 },
  meanHalfCpuMsPerCall: { otto: 9 },
});

describe('the A/B markdown', () => {
  it('gives statements per call at target load and at half of the load reached for both sides', () => {
    const ab: AbResult = {
      layout: 'one Otto process',
      rate: 120,
      seconds: 10,
      halfSeconds: 5,
      tenants: 20,
      concurrency: 24,
      order: ['baseline round 1', 'working tree round 1'],
      baseline: side('baseline', 19.2, 33.6),
      workingTree: side('working tree', 11.4, 14.8),
      abRatio: 1.7,
    };
    const r = {
      started: '2026-12-07T14:00:00Z',
      machine: { cpus: 2, cpuModel: 'x', memoryGiB: 24, node: 'v20' },
      settings: { rate: 120, seconds: 10, tenants: 20 },
      phases: [],
      fairness: [],
      ab,
    } as unknown as BenchResult;
    const md = renderMarkdown(r, 'x.svg');
    const rows = md
      .split('\n')
      .filter((l) => l.startsWith('| baseline (') || l.startsWith('| working tree ('));
    const halfRow = (who: string) => rows.find((l) => l.startsWith(`| ${who} (`) && l.includes('| 25 |'));
    expect(halfRow('baseline')).toContain('| 19.2 | 19.2 | 25 | 33.6 | 33.6 | 9.0 /');
    expect(halfRow('working tree')).toContain('| 11.4 | 11.4 | 25 | 14.8 | 14.8 | 9.0 /');
    expect(md).toContain('then 5 s at half of the throughput');
  });
});
