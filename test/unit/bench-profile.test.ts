// The bench's summary of a V8 CPU profile (D292): self time per function and per package, from the
// samples and their time deltas, idle left out of the functions but counted in the time sampled.
import { describe, expect, it } from 'vitest';
import { summarise } from '../../scripts/bench/profile.ts';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('bench profile summary', () => {
  it('adds self time per function and per package, over several processes', () => {
    const a = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('parse', 'file:///w/node_modules/pg-protocol/dist/parser.js', 9) },
        { id: 3, callFrame: frame('advance', 'file:///w/src/steps/advance.ts', 41) },
        { id: 4, callFrame: frame('(idle)', '') },
      ],
      samples: [2, 2, 3, 4, 2],
      timeDeltas: [1000, 2000, 3000, 10_000, 1000],
    };
    const b = {
      nodes: [{ id: 7, callFrame: frame('advance', 'file:///w/src/steps/advance.ts', 41) }],
      samples: [7],
      timeDeltas: [4000],
    };
    const s = summarise([a, b]);
    expect(s.sampledMs).toBe(21);
    expect(s.topSelf.map((t) => [t.fn, t.where, t.selfMs])).toEqual([
      ['advance', 'src/steps/advance.ts:42', 7],
      ['parse', 'node_modules/pg-protocol/dist/parser.js:10', 4],
    ]);
    expect(Object.fromEntries(s.byPackage.map((p) => [p.pkg, p.selfMs]))).toEqual({
      'otto src/': 7,
      'pg-protocol': 4,
    });
    expect(s.topSelf[0]?.share).toBeCloseTo(7 / 21);
  });
});
