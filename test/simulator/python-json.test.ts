// The canonical JSON of Shunya's webhook signature: Python's json.dumps(..., sort_keys=True), byte for
// byte. The expected strings below were produced by CPython 3.11's json module.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalPythonJson,
  PyNumber,
  parsePythonJson,
  pythonFloatRepr,
  pythonJsonDumps,
} from '../../simulator/webhooks/python-json.ts';
import { pythonSortedJson } from './helpers.ts';

describe('pythonFloatRepr', () => {
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
    expect(parsePythonJson('[1.0]')).toEqual([new PyNumber('1.0')]);
    expect(() => parsePythonJson('{"a": 1')).toThrow(SyntaxError);
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
