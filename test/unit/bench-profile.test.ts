// The bench's summary of a V8 CPU profile (D292): self time per function and per package, from the
// samples and their time deltas, idle left out of the functions but counted in the time sampled.
import { describe, expect, it } from 'vitest';
import { summarise } from '../../scripts/bench/profile.ts';
import { tracingPartOf } from '../../scripts/bench/profile-summary.ts';

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

describe("tracing's work split by part (D361)", () => {
  it('names the part of tracing a frame belongs to, and nothing for the rest', () => {
    const nm = 'file:///w/node_modules/';
    expect(tracingPartOf('file:///w/src/tracing-context.ts', 'init')).toBe('context propagation');
    expect(tracingPartOf('node:internal/async_hooks', 'emitInit')).toBe('context propagation');
    expect(tracingPartOf(`${nm}@opentelemetry/api/build/src/api/context.js`, 'active')).toBe(
      'context propagation',
    );
    expect(tracingPartOf(`${nm}@opentelemetry/otlp-transformer/build/src/x.js`, 'serializeSpan')).toBe(
      'batch processor and OTLP exporter',
    );
    expect(
      tracingPartOf(`${nm}@opentelemetry/sdk-trace/build/src/export/BatchSpanProcessorBase.js`, 'onEnd'),
    ).toBe('batch processor and OTLP exporter');
    expect(tracingPartOf('file:///w/src/tracing.ts', 'traceFields')).toBe('log mixin');
    expect(tracingPartOf(`${nm}@opentelemetry/sdk-trace/build/src/Tracer.js`, 'startSpan')).toBe(
      'span creation and attributes',
    );
    expect(tracingPartOf('file:///w/src/tracing.ts', 'inSpan')).toBe('span creation and attributes');
    expect(tracingPartOf(`${nm}pg/lib/client.js`, 'query')).toBeNull();
    expect(tracingPartOf('file:///w/src/steps/advance.ts', 'advance')).toBeNull();
  });
});
