// JSON as Python's `json` module reads and writes it, for the Shunya profile's webhook signature:
// hex HMAC-SHA256 of "{timestamp}:" + json.dumps(payload, sort_keys=True) (decision D1). The sender (the
// simulator, the kit) writes JS values as a Python Shunya would; the receiver (Otto) re-creates
// `json.dumps(json.loads(body), sort_keys=True)` from the raw body. One implementation for both (D210).
//
// What json.dumps does with its defaults: separators ", " and ": "; ensure_ascii=True (every character
// outside printable ASCII as a lowercase \uXXXX escape, astral characters as surrogate pairs); keys sorted
// by code point at every depth (with sort_keys); ints as digits, floats as repr(); NaN and Infinity.
//
// The int/float catch: Python knows whether a number was an int or a float; a JS number does not
// (JSON.parse reads `1.0` as 1). Two ways through:
// 1. `parseJsonLossless` keeps every number's source text (JsonNumber): a lexeme with "." or an exponent is
//    a float, as json.loads reads it, and big integers keep every digit. `canonicalPythonJson(text)` uses it.
// 2. A sender of JS values names the keys that hold floats (`floatKey`), so 1 is written 1.0 under them;
//    elsewhere an integral JS number is written as a Python int.

/** A JSON number as written in the source text. */
export class JsonNumber {
  constructor(readonly source: string) {}
  /** True when Python's json.loads reads it as an int (no fraction, no exponent). */
  get isInteger(): boolean {
    return /^-?\d+$/.test(this.source);
  }
  valueOf(): number {
    return Number(this.source);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** A cursor over JSON text, the reader's state. */
class Reader {
  i = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at position ${this.i}`);
  }

  ws(): void {
    const t = this.text;
    while (
      this.i < t.length &&
      (t[this.i] === ' ' || t[this.i] === '\t' || t[this.i] === '\n' || t[this.i] === '\r')
    )
      this.i++;
  }

  literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.i)) this.fail('unexpected token');
    this.i += word.length;
    return value;
  }

  string(): string {
    this.i++; // opening quote
    let out = '';
    for (;;) {
      if (this.i >= this.text.length) this.fail('unterminated string');
      const c = this.text[this.i++] as string;
      if (c === '"') return out;
      if (c === '\\') out += this.escape();
      else if (c < ' ') this.fail('control character in string');
      else out += c;
    }
  }

  escape(): string {
    const e = this.text[this.i++] as string;
    if (e !== 'u') return ESCAPES[e] ?? this.fail('bad escape');
    const hex = this.text.slice(this.i, this.i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
    this.i += 4;
    return String.fromCharCode(Number.parseInt(hex, 16));
  }

  object(): Record<string, unknown> {
    this.i++;
    const obj: Record<string, unknown> = {};
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return obj;
    }
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.text[this.i++] !== ':') this.fail('expected ":"');
      // defineProperty: a key named "__proto__" is data, as in Python; the last duplicate wins.
      Object.defineProperty(obj, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.ws();
      const sep = this.text[this.i++];
      if (sep === '}') return obj;
      if (sep !== ',') this.fail('expected "," or "}"');
    }
  }

  array(): unknown[] {
    this.i++;
    const arr: unknown[] = [];
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return arr;
    }
    for (;;) {
      arr.push(this.value());
      this.ws();
      const sep = this.text[this.i++];
      if (sep === ']') return arr;
      if (sep !== ',') this.fail('expected "," or "]"');
    }
  }

  number(): JsonNumber {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail('unexpected token');
    this.i += m[0].length;
    return new JsonNumber(m[0]);
  }

  value(): unknown {
    this.ws();
    const c = this.text[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    if (c === 'N') return this.literal('NaN', Number.NaN);
    if (c === 'I') return this.literal('Infinity', Number.POSITIVE_INFINITY);
    if (c === '-' && this.text.startsWith('-Infinity', this.i))
      return this.literal('-Infinity', Number.NEGATIVE_INFINITY);
    return this.number();
  }
}

/**
 * What Python's json.loads accepts (RFC 8259 JSON plus NaN, Infinity and -Infinity), with every number kept
 * as its source text (JsonNumber). JSON.parse cannot do this on Node 20 (its reviver has no `source`).
 */
export function parseJsonLossless(text: string): unknown {
  const r = new Reader(text);
  const result = r.value();
  r.ws();
  if (r.i !== text.length) r.fail('unexpected data after JSON');
  return result;
}

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

export interface DumpOptions {
  sortKeys?: boolean;
  /** Whether a JS number under this key is a Python float (so 1 is written 1.0). */
  floatKey?: (key: string) => boolean;
}

function dumpNumber(v: number | bigint | JsonNumber, isFloat: boolean): string {
  if (v instanceof JsonNumber)
    return v.isInteger ? BigInt(v.source).toString() : pythonFloatRepr(Number(v.source));
  if (typeof v === 'bigint') return v.toString();
  return isFloat || !Number.isInteger(v) ? pythonFloatRepr(v) : BigInt(v).toString();
}

const isPlainObject = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

function dumpObject(v: Record<string, unknown>, o: DumpOptions): string {
  // An undefined member is left out, as JSON.stringify leaves it out of the body it writes.
  const keys = Object.keys(v).filter((k) => v[k] !== undefined);
  if (o.sortKeys) keys.sort(compareCodePoints);
  return `{${keys.map((k) => `${pythonJsonString(k)}: ${dump(v[k], o, k)}`).join(', ')}}`;
}

function dump(v: unknown, o: DumpOptions, key: string): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof JsonNumber)
    return dumpNumber(v, o.floatKey?.(key) ?? false);
  if (typeof v === 'string') return pythonJsonString(v);
  if (Array.isArray(v)) return `[${v.map((x) => dump(x, o, key)).join(', ')}]`;
  if (typeof v === 'object' && isPlainObject(v)) return dumpObject(v as Record<string, unknown>, o);
  throw new TypeError(
    `Object of type ${typeof v === 'object' ? v.constructor?.name : typeof v} is not JSON serializable`,
  );
}

/** Python's `json.dumps(value, sort_keys=o.sortKeys)` with its default separators and ensure_ascii. */
export function pythonJsonDumps(value: unknown, o: DumpOptions = {}): string {
  return dump(value, o, '');
}

/** Python's `json.dumps(json.loads(text), sort_keys=True)`, exact for ints, floats and big integers. */
export function canonicalPythonJson(text: string): string {
  return pythonJsonDumps(parseJsonLossless(text), { sortKeys: true });
}
