// stableStringify is written as it walks (D480) and unstorable clears a string in one scan (D482): both
// must answer exactly what their previous forms answered, since stored result hashes are compared with new
// ones and the refusal messages are part of the 400s. The previous forms are kept here as the reference.
import { describe, expect, it } from 'vitest';
import { stableStringify } from '../../src/util/hash.ts';
import { unstorable } from '../../src/util/storable.ts';

function previousStableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(previousStableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${previousStableStringify(v)}`).join(',')}}`;
}

/** a small deterministic generator (mulberry32), so a failure names its seed */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  '',
  'a',
  'Zeta',
  'ä',
  '😀',
  '"quoted"\n',
  'b\u0000',
  '\ud800',
  'z',
  'A',
  '10',
  '2',
  '__proto_',
];
function value(r: () => number, depth: number): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)] as T;
  const k = depth > 3 ? Math.floor(r() * 5) : Math.floor(r() * 8);
  if (k === 0) return null;
  if (k === 1) return pick([0, -1.5, 1e21, 42, Number.NaN, Number.POSITIVE_INFINITY]);
  if (k === 2) return pick(STRINGS);
  if (k === 3) return r() < 0.5;
  if (k === 4) return undefined;
  if (k === 5 || k === 6) {
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(r() * 6); i > 0; i--) o[pick(STRINGS)] = value(r, depth + 1);
    return o;
  }
  return Array.from({ length: Math.floor(r() * 5) }, () => value(r, depth + 1));
}

describe('stableStringify', () => {
  it('writes what the previous form wrote, for 2,000 generated values', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const v = value(random(seed), 0);
      expect(stableStringify(v), `seed ${seed}`).toBe(previousStableStringify(v));
    }
  });

  it('sorts keys by code units at every level and leaves undefined members out', () => {
    expect(stableStringify({ b: [{ d: 1, c: undefined, a: 'x' }], a: null, B: 2 })).toBe(
      '{"B":2,"a":null,"b":[{"a":"x","d":1}]}',
    );
  });

  it('keeps the previous form on what JSON.parse never makes: holes, functions, dates', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const odd = [[1, , 2], [undefined, () => 1], new Date(0), { f: () => 1 }, undefined];
    for (const v of odd) expect(stableStringify(v)).toBe(previousStableStringify(v));
  });
});

function previousUnstorable(v: unknown, maxDepth = Number.POSITIVE_INFINITY): string | null {
  const text = (s: string) =>
    s.includes('\u0000')
      ? 'holds U+0000'
      : /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)
        ? 'holds an unpaired UTF-16 surrogate'
        : null;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop() as [unknown, number];
    if (typeof x === 'string') {
      const bad = text(x);
      if (bad) return bad;
    } else if (x && typeof x === 'object') {
      if (depth >= maxDepth) return `nests deeper than ${maxDepth} levels`;
      for (const [k, y] of Object.entries(x)) {
        const bad = text(k);
        if (bad) return bad;
        stack.push([y, depth + 1]);
      }
    }
  }
  return null;
}

describe('unstorable', () => {
  it('answers what the previous form answered, for 2,000 generated values and depth limits', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const v = value(random(seed), 0);
      for (const max of [Number.POSITIVE_INFINITY, 2])
        expect(unstorable(v, max), `seed ${seed}, depth ${max}`).toBe(previousUnstorable(v, max));
    }
  });

  it('refuses U+0000 and unpaired surrogates in strings and keys, and keeps paired ones', () => {
    expect(unstorable({ a: ['ok', 'x\u0000'] })).toBe('holds U+0000');
    expect(unstorable({ ['k\ud800']: 1 })).toBe('holds an unpaired UTF-16 surrogate');
    expect(unstorable({ a: 'lone \udc00 low' })).toBe('holds an unpaired UTF-16 surrogate');
    expect(unstorable({ a: 'emoji 😀 ok', b: [1, true, null] })).toBeNull();
    expect(unstorable({ a: { b: { c: 1 } } }, 2)).toBe('nests deeper than 2 levels');
  });
});
