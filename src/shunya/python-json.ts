// A faithful port of Python's `json.dumps(obj, sort_keys=True)` with its defaults: separators ", " and
// ": ", ensure_ascii=True (every character outside printable ASCII as a lowercase \uXXXX escape, astral
// characters as surrogate pairs), keys sorted by code point at every depth, floats as Python's repr.
// Shunya's event-profile webhooks are signed over this text (decision D1); the receiver re-creates it.
//
// The int/float caveat: Python knows whether a number was an int or a float; a JS number does not
// (JSON.parse reads `1.0` as 1). For values from JSON.parse, an integral number is written as a Python
// int ("1"), which is wrong for a float that happened to be integral (Python writes "1.0").
// To verify a signature exactly, use `pythonJsonDumpsSortKeysFromText(rawBody)`: it parses with
// parseJsonLossless, which keeps every number's source text, so `1.0` stays a float and big integers
// keep all their digits, exactly as Python's json.loads would have read them.
import { JsonNumber, parseJsonLossless } from './json-lossless.ts';

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** Python's json encoder with ensure_ascii=True: escapes `"`, `\` and everything outside ' '..'~'. */
export function pythonJsonString(s: string): string {
  // Iterating UTF-16 code units gives the surrogate pairs Python writes for astral characters.
  return `"${s.replace(/[\\"]|[^ -~]/g, (c) => SIMPLE_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Python's float repr (shortest round-trip digits; exponent form when the exponent is < -4 or ≥ 16). */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, as Python's repr does.
  const [mantissa = '', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const decpt = Number(exponent) + 1; // value = 0.DIGITS × 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const e = decpt - 1;
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt < digits.length) return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
}

/** Code-point order, as Python sorts str keys (JS's default sort compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

function dump(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof JsonNumber) {
    return v.isInteger ? BigInt(v.source).toString() : pythonFloatRepr(Number(v.source));
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    // See the caveat above: an integral JS number is written as a Python int.
    return Number.isInteger(v) ? BigInt(v).toString() : pythonFloatRepr(v);
  }
  if (typeof v === 'string') return pythonJsonString(v);
  if (Array.isArray(v)) return `[${v.map(dump).join(', ')}]`;
  if (
    typeof v === 'object' &&
    (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
  ) {
    const keys = Object.keys(v).sort(compareCodePoints);
    return `{${keys.map((k) => `${pythonJsonString(k)}: ${dump((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  throw new TypeError(
    `Object of type ${typeof v === 'object' ? v.constructor?.name : typeof v} is not JSON serializable`,
  );
}

/** Python's `json.dumps(value, sort_keys=True)`. Integral JS numbers are written as ints (see above). */
export function pythonJsonDumpsSortKeys(value: unknown): string {
  return dump(value);
}

/** Python's `json.dumps(json.loads(text), sort_keys=True)`, exact for ints, floats and big integers. */
export function pythonJsonDumpsSortKeysFromText(text: string): string {
  return dump(parseJsonLossless(text));
}
