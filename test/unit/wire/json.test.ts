// wire/json.ts: Python's json.loads and json.dumps as the Shunya profile's signature needs them (D1, D210).
// The tests of the two copies it replaces (src/shunya/python-json.ts and the simulator's), merged. Every
// expected string below was produced by CPython 3 (`json.dumps(json.loads(text), sort_keys=True)`), not
// by this code; the last block asks python3 itself.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalPythonJson,
  JsonNumber,
  parseJsonLossless,
  pythonFloatRepr,
  pythonJsonDumps,
} from '../../../wire/json.ts';
import { pythonSortedJson } from '../../simulator/helpers.ts';

const pythonJsonDumpsSortKeys = (v: unknown) => pythonJsonDumps(v, { sortKeys: true });
const pythonJsonDumpsSortKeysFromText = canonicalPythonJson;

const fromText: [string, string, string][] = [
  [
    'nested objects, floats, big ints, non-ASCII, astral and control characters, code-point key order',
    String.raw`{"b": 1.0, "a": [1, 2.5, -0.0, 1e16, 1e15, 0.0001, 0.00001, 123456789012345678901234567890, 1.5e-7, 3.14159, 1E2, -0], "é": "naïve ☃ 😀 \u0000\u007f\t\"\\/", "\ud83d\ude00x": 1, "\uff5e": 2, "z": {"y": null, "x": true, "__proto__": false}}`,
    String.raw`{"a": [1, 2.5, -0.0, 1e+16, 1000000000000000.0, 0.0001, 1e-05, 123456789012345678901234567890, 1.5e-07, 3.14159, 100.0, 0], "b": 1.0, "z": {"__proto__": false, "x": true, "y": null}, "\u00e9": "na\u00efve \u2603 \ud83d\ude00 \u0000\u007f\t\"\\/", "\uff5e": 2, "\ud83d\ude00x": 1}`,
  ],
  [
    'float formatting',
    '[0.1, 0.2, 0.30000000000000004, 100.0, 1e22, 5e-324, 1.7976931348623157e308, 2.5e-5, 12345678.9]',
    '[0.1, 0.2, 0.30000000000000004, 100.0, 1e+22, 5e-324, 1.7976931348623157e+308, 2.5e-05, 12345678.9]',
  ],
  [
    "Shunya's webhook example (event profile)",
    '{"event_type":"call.transcription.complete","task_id":"t","call_id":123,"data":{"speaker_labels":[{"speaker":"SPEAKER_01","start_time":0.0,"end_time":2.5}],"confidence_score":0.95,"word_count":150}}',
    '{"call_id": 123, "data": {"confidence_score": 0.95, "speaker_labels": [{"end_time": 2.5, "speaker": "SPEAKER_01", "start_time": 0.0}], "word_count": 150}, "event_type": "call.transcription.complete", "task_id": "t"}',
  ],
  ['empty containers and whitespace', ' { "a" : [ ] , "b" : { } } ', '{"a": [], "b": {}}'],
  ['duplicate keys: the last wins, as in Python', '{"a": 1, "a": 2}', '{"a": 2}'],
  [
    'NaN and Infinity (Python accepts and writes them)',
    '[NaN, Infinity, -Infinity]',
    '[NaN, Infinity, -Infinity]',
  ],
  ['overflowing floats are Infinity', '[1e400, -1e400]', '[Infinity, -Infinity]'],
];

describe('pythonJsonDumpsSortKeysFromText', () => {
  it.each(fromText)('%s', (_name, text, python) => {
    expect(pythonJsonDumpsSortKeysFromText(text)).toBe(python);
  });

  it.each(['{"a": }', '[1, 2', '{"a": 01}', '"\\x"', 'tru', '[1] x', '"a\nb"'])(
    'rejects invalid JSON %j',
    (text) => {
      expect(() => parseJsonLossless(text)).toThrow(SyntaxError);
    },
  );

  it('parses exactly what JSON.parse parses (numbers aside)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        const lossless = parseJsonLossless(text);
        const plain = JSON.parse(
          JSON.stringify(lossless, (_k, x) => (x instanceof JsonNumber ? Number(x.source) : x)),
        );
        expect(plain).toEqual(JSON.parse(text));
      }),
    );
  });

  it('writes JSON that reads back as the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(JSON.parse(pythonJsonDumpsSortKeysFromText(text))).toEqual(JSON.parse(text));
      }),
    );
  });
});

describe('pythonJsonDumpsSortKeys (JS values)', () => {
  it('writes JS values as Python would', () => {
    expect(pythonJsonDumpsSortKeys({ z: 'ü', a: { c: [1, 0.5, null, false], b: 'x' } })).toBe(
      '{"a": {"b": "x", "c": [1, 0.5, null, false]}, "z": "\\u00fc"}',
    );
  });

  it('the documented caveat: an integral JS number is an int (Python would keep a float 1.0)', () => {
    expect(pythonJsonDumpsSortKeys(JSON.parse('{"x": 1.0}'))).toBe('{"x": 1}');
    expect(pythonJsonDumpsSortKeysFromText('{"x": 1.0}')).toBe('{"x": 1.0}');
  });

  it('writes large integral numbers in full, like a Python int', () => {
    expect(pythonJsonDumpsSortKeys(1e21)).toBe('1000000000000000000000');
    expect(pythonJsonDumpsSortKeys(10n ** 30n)).toBe(`1${'0'.repeat(30)}`);
  });

  it('refuses what Python cannot serialise', () => {
    expect(() => pythonJsonDumpsSortKeys(new Date(0))).toThrow(TypeError);
    expect(() => pythonJsonDumpsSortKeys({ f: () => 1 })).toThrow(TypeError);
  });

  it('never throws on JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => typeof pythonJsonDumpsSortKeys(v) === 'string'));
  });
});

describe('pythonFloatRepr', () => {
  it.each<[number, string]>([
    [1, '1.0'],
    [-2.5, '-2.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1e16, '1e+16'],
    [9999999999999998, '9999999999999998.0'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.2345e-10, '1.2345e-10'],
    [123.456, '123.456'],
    [Number.NaN, 'NaN'],
  ])('%d → %s', (x, want) => {
    expect(pythonFloatRepr(x)).toBe(want);
  });

  it('round-trips every double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) =>
        Object.is(Number(pythonFloatRepr(x)), x),
      ),
    );
  });
});

// From the simulator's copy (the sender's side: JS values, float keys, unsorted bodies).

describe("pythonFloatRepr (more of CPython 3.11's reprs)", () => {
  it.each([
    [1.0, '1.0'],
    [0.0, '0.0'],
    [-0.0, '-0.0'],
    [0.1, '0.1'],
    [100.0, '100.0'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.2345678901234568e17, '1.2345678901234568e+17'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [123456.789, '123456.789'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0.30000000000000004, '0.30000000000000004'],
    [1e22, '1e+22'],
    [-2.5e-5, '-2.5e-05'],
  ])('repr(%s) == %s', (x, want) => {
    expect(pythonFloatRepr(x)).toBe(want);
  });
});

describe('pythonJsonDumps', () => {
  it('sorts keys by code point, escapes to ASCII, uses ", " and ": "', () => {
    const p = {
      b: 1,
      a: { z: [1, 2.5, { y: null, x: true }], é: 'ünï', k: 'line\nbreak\t"q" \\ / \u007f \u0001 😀' },
      A: false,
      '': 0,
      _: -3,
    };
    expect(pythonJsonDumps(p, { sortKeys: true })).toBe(
      '{"": 0, "A": false, "_": -3, "a": {"k": "line\\nbreak\\t\\"q\\" \\\\ / \\u007f \\u0001 \\ud83d\\ude00", "z": [1, 2.5, {"x": true, "y": null}], "\\u00e9": "\\u00fcn\\u00ef"}, "b": 1}',
    );
    // U+FFFF sorts before U+1F600 in Python (code points), not after (UTF-16 units).
    expect(pythonJsonDumps({ ä: 1, a: 2, b: 3, Z: 4, '😀': 5, '\uffff': 6 }, { sortKeys: true })).toBe(
      '{"Z": 4, "a": 2, "b": 3, "\\u00e4": 1, "\\uffff": 6, "\\ud83d\\ude00": 5}',
    );
  });

  it('writes numbers under float keys as Python floats, others as ints', () => {
    const floatKey = (k: string) => k === 'start_time' || k === 'score';
    expect(pythonJsonDumps({ start_time: 0, score: 1, call_id: 7, x: 2.5 }, { floatKey })).toBe(
      '{"start_time": 0.0, "score": 1.0, "call_id": 7, "x": 2.5}',
    );
  });

  it('is json.dumps(json.loads(body), sort_keys=True) on a raw body', () => {
    // python3 -c 'import json; print(json.dumps(json.loads("{\"b\": 1.50, \"a\": [1, 2.0, -0, 1E5, 1e-7]}"), sort_keys=True))'
    expect(canonicalPythonJson('{"b": 1.50, "a": [1, 2.0, -0, 1E5, 1e-7]}')).toBe(
      '{"a": [1, 2.0, 0, 100000.0, 1e-07], "b": 1.5}',
    );
    expect(canonicalPythonJson('{"big": 123456789012345678901234567890}')).toBe(
      '{"big": 123456789012345678901234567890}',
    );
    expect(parseJsonLossless('[1.0]')).toEqual([new JsonNumber('1.0')]);
    expect(() => parseJsonLossless('{"a": 1')).toThrow(SyntaxError);
  });

  it('agrees with the independent verifier of the tests on arbitrary payloads', () => {
    const value = fc.letrec((tie) => ({
      json: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary' }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('json'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('json'), { maxKeys: 4 }),
      ),
    })).json;
    fc.assert(
      fc.property(value, fc.boolean(), (v, markFloats) => {
        const opts = { floatKey: () => markFloats };
        const body = pythonJsonDumps(v, opts);
        const signed = pythonJsonDumps(v, { ...opts, sortKeys: true });
        expect(canonicalPythonJson(body)).toBe(signed);
        expect(pythonSortedJson(body)).toBe(signed);
      }),
      { numRuns: 300 },
    );
  });
});

// The independent route: python3's own json module, asked once for a batch of bodies (D215).
const PYTHON_CANONICAL = `
import json, sys
for line in sys.stdin.read().splitlines():
    print(json.dumps(json.loads(json.loads(line)), sort_keys=True))
`;

function pythonCanonical(bodies: string[]): string[] {
  const r = spawnSync('python3', ['-c', PYTHON_CANONICAL], {
    input: bodies.map((b) => JSON.stringify(b)).join('\n'),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout.split('\n').slice(0, bodies.length);
}

describe('canonicalPythonJson against python3', () => {
  it('equals json.dumps(json.loads(body), sort_keys=True) on generated bodies', () => {
    const value = fc.letrec((tie) => ({
      json: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary' }),
        fc.integer(),
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('json'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('json'), { maxKeys: 4 }),
      ),
    })).json;
    const samples = fc.sample(fc.tuple(value, fc.boolean()), { numRuns: 300, seed: 20261207 });
    // Bodies as a Python sender writes them (floats as 1.0 when marked) and as JS writes them.
    const bodies = samples.map(([v, floats]) =>
      floats ? pythonJsonDumps(v, { floatKey: () => true }) : pythonJsonDumps(v),
    );
    bodies.push(
      '{"x": 1.0, "y": 1, "z": 1e400, "__proto__": {"b": 2, "a": -0.0}}',
      '[NaN, -Infinity, 5e-324]',
    );
    const python = pythonCanonical(bodies);
    expect(bodies.map(canonicalPythonJson)).toEqual(python);
  });
});
