// pythonJsonDumpsSortKeys: Python's json.dumps(obj, sort_keys=True). Every expected string below was
// produced by CPython 3 (`json.dumps(json.loads(text), sort_keys=True)`), not by this code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJsonLossless } from '../../../src/shunya/json-lossless.ts';
import {
  pythonFloatRepr,
  pythonJsonDumpsSortKeys,
  pythonJsonDumpsSortKeysFromText,
} from '../../../src/shunya/python-json.ts';

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
