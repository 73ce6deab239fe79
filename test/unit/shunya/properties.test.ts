// Property tests: no input makes a normaliser throw (arbitrary JSON, arbitrary JS values, and real
// samples with random parts replaced or removed), and whatever comes out ok keeps its invariants.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeCompleteAnalysis } from '../../../src/shunya/normalize/analysis.ts';
import { normalizeError } from '../../../src/shunya/normalize/error.ts';
import { classifyQualification } from '../../../src/shunya/normalize/qualification.ts';
import { normalizeSegmentation } from '../../../src/shunya/normalize/segmentation.ts';
import { normalizeTranscript } from '../../../src/shunya/normalize/transcript.ts';
import { normalizeWebhook } from '../../../src/shunya/normalize/webhook.ts';
import { jsonBlocks, REFERENCE_PAYLOADS } from './fixtures.ts';

const normalisers = {
  normalizeTranscript,
  normalizeCompleteAnalysis,
  normalizeSegmentation,
  normalizeWebhook,
  normalizeError: (v: unknown) => normalizeError(v, 500),
  normalizeErrorNoStatus: (v: unknown) => normalizeError(v),
  classifyQualification: (v: unknown) =>
    classifyQualification(
      typeof v === 'object' && v !== null
        ? (v as { qualification_status: unknown })
        : { qualification_status: v },
    ),
};

const samples = jsonBlocks(REFERENCE_PAYLOADS)
  .map((b) => b.value)
  .filter((v) => v !== undefined);
// The webhook's inner results too, so mutations reach analysis and transcript fields directly.
const innerResults = samples.flatMap((s) => {
  const data = (s as { data?: unknown }).data;
  return data === undefined ? [] : [data];
});
const corpus = [...samples, ...innerResults];

type Path = (string | number)[];
function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) paths(x, [...at, i], out);
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  }
  return out;
}

/** A deep copy of `root` with the value at `path` replaced (or deleted when `value` is undefined). */
function mutate(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return value;
  let parent = copy as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Real samples with 1–5 random parts replaced by arbitrary JSON, numeric strings, 0, null or nothing. */
const mutatedSample = fc
  .tuple(
    fc.constantFrom(...corpus),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constantFrom(
            undefined,
            null,
            0,
            '0',
            '',
            ' ',
            '0.85',
            '85',
            -1,
            Number.POSITIVE_INFINITY,
            'NaN',
            [],
            {},
          ),
          fc.double().map(String),
        ),
      ),
      { minLength: 1, maxLength: 5 },
    ),
  )
  .map(([sample, edits]) =>
    edits.reduce((acc, [n, value]) => {
      const ps = paths(acc);
      return mutate(acc, ps[n % ps.length] as Path, value);
    }, sample as unknown),
  );

describe('normalisers never throw', () => {
  for (const [name, fn] of Object.entries(normalisers)) {
    describe(name, () => {
      it('on arbitrary JSON', () => {
        fc.assert(
          fc.property(fc.jsonValue(), (v) => void fn(v)),
          { numRuns: 300 },
        );
      });
      it('on arbitrary JS values', () => {
        fc.assert(
          fc.property(
            fc.anything({
              withBigInt: true,
              withDate: true,
              withMap: true,
              withNullPrototype: true,
              withTypedArray: true,
            }),
            (v) => void fn(v),
          ),
          { numRuns: 300 },
        );
      });
      it('on mutated real samples', () => {
        fc.assert(
          fc.property(mutatedSample, (v) => void fn(v)),
          { numRuns: 300 },
        );
      });
    });
  }
});

describe('invariants of what comes out ok', () => {
  it('a complete analysis keeps its scales and orderings, whatever Shunya sent', () => {
    fc.assert(
      fc.property(mutatedSample, (v) => {
        const r = normalizeCompleteAnalysis(v);
        if (!r.ok) {
          expect(r.problems.length).toBeGreaterThan(0);
          return;
        }
        const a = r.value;
        expect(a.sentiment_score).toBeGreaterThanOrEqual(0);
        expect(a.sentiment_score).toBeLessThanOrEqual(1);
        expect(a.compliance.compliance_score).toBeGreaterThanOrEqual(0);
        expect(a.compliance.compliance_score).toBeLessThanOrEqual(10);
        expect(typeof a.summary.summary).toBe('string');
        expect(a.qualification.qualification_status.trim()).not.toBe('');
        const ts = a.objections.map((o) => o.timestamp ?? Number.POSITIVE_INFINITY);
        expect(ts).toEqual([...ts].sort((x, y) => x - y));
        const due = a.pending_actions.map((p) =>
          p.due_at === null ? Number.POSITIVE_INFINITY : Date.parse(p.due_at),
        );
        expect(due).toEqual([...due].sort((x, y) => x - y));
        for (const s of [
          a.qualification.overall_score,
          a.qualification.confidence_score,
          ...a.pending_actions.map((p) => p.confidence),
        ]) {
          if (s !== null) expect(s >= 0 && s <= 1).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a transcript has text and ordered labels', () => {
    fc.assert(
      fc.property(mutatedSample, (v) => {
        const r = normalizeTranscript(v);
        if (!r.ok) return;
        expect(typeof r.value.transcript_text).toBe('string');
        expect(Number.isInteger(r.value.word_count) && r.value.word_count >= 0).toBe(true);
        const starts = r.value.speaker_labels.map((l) => l.start_time);
        expect(starts).toEqual([...starts].sort((x, y) => x - y));
      }),
      { numRuns: 300 },
    );
  });

  it('an error always has a code, a type, a message and a boolean retryable', () => {
    fc.assert(
      fc.property(
        fc.oneof(mutatedSample, fc.jsonValue(), fc.string()),
        fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
        (v, status) => {
          const e = normalizeError(v, status);
          expect(e.error_code).toMatch(/^[A-Z][A-Z0-9_]*$/);
          expect(e.error_type.length).toBeGreaterThan(0);
          expect(e.message.length).toBeGreaterThan(0);
          expect(typeof e.retryable).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a mutation that removes a §10.3 field is reported incomplete (negative control)', () => {
    const sales = samples.find(
      (s) => (s as { call_id?: number }).call_id === 123 && 'opportunity_analysis' in (s as object),
    );
    expect(normalizeCompleteAnalysis(sales).ok).toBe(true);
    for (const path of [
      ['summary', 'summary'],
      ['summary', 'sentiment_score'],
      ['compliance', 'compliance_score'],
      ['objections', 'objections'],
      ['qualification', 'qualification_status'],
    ]) {
      expect(normalizeCompleteAnalysis(mutate(sales, path, undefined)).ok, path.join('.')).toBe(false);
    }
  });
});
