// Python's `json.dumps(obj, sort_keys=True)`, byte for byte, for the signature of Shunya's documented
// webhook profile: "{timestamp}:{json.dumps(payload, sort_keys=True)}" (decision D1).
//
// Pure and dependency-free on purpose, so a verifier can reuse it. What it reproduces:
// - keys sorted recursively by Unicode code point (Python's str order; JS's default sort compares
//   UTF-16 code units, which differs for characters beyond U+FFFF);
// - separators ", " and ": " (Python's defaults when indent is None);
// - ensure_ascii=True: every character outside U+0020..U+007E is written \uXXXX (lowercase hex,
//   surrogate pairs for astral characters), plus \" \\ \n \r \t \b \f;
// - numbers as Python writes them: ints as digits, floats with repr() (shortest round-trip digits,
//   "1.0" not "1", exponent form "1e-05" / "1e+16" outside 1e-4 <= |x| < 1e16), NaN, Infinity.
//
// The catch is that a JSON number does not say whether Python held an int or a float (1 vs 1.0), and
// JSON.parse forgets how it was written. Two ways through, both here:
// 1. A sender writing JS values says which keys hold floats (`floatKey`); the simulator uses this to
//    write its Shunya-profile bodies the way a Python Shunya would (`json.dumps(payload)`, floats as
//    1.0), and to sign them.
// 2. A verifier re-serialises the raw body with `canonicalPythonJson(body)`: `parsePythonJson` keeps
//    each number's lexeme, and a lexeme with "." or an exponent is a Python float (json.loads would
//    make it one) whose repr is recomputed, anything else a Python int. This equals
//    `json.dumps(json.loads(body), sort_keys=True)` for any body Python could have sent.

/** A JSON number as written, so int/float survives parsing. */
export class PyNumber {
  constructor(readonly lexeme: string) {}
}

export interface DumpOptions {
  sortKeys?: boolean;
  /** Whether a JS number under this key is a Python float (so 1 is written 1.0). */
  floatKey?: (key: string) => boolean;
}

/** Python's repr() of a float. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without digits gives the shortest round-trip digits, like Python's repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1) || '0';
  return `${sign}${int}.${frac}`;
}

function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** Compares by Unicode code point, as Python sorts str. */
function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function pyNumber(n: number | PyNumber, isFloat: boolean): string {
  if (n instanceof PyNumber) {
    if (/[.eE]/.test(n.lexeme)) return pythonFloatRepr(Number(n.lexeme));
    return BigInt(n.lexeme).toString();
  }
  return isFloat || !Number.isInteger(n) ? pythonFloatRepr(n) : String(n);
}

/** `json.dumps(value, sort_keys=opts.sortKeys)` with Python's default separators and ensure_ascii. */
export function pythonJsonDumps(value: unknown, opts: DumpOptions = {}, key = ''): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number' || value instanceof PyNumber)
    return pyNumber(value, opts.floatKey?.(key) ?? false);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v, opts, key)).join(', ')}]`;
  if (typeof value === 'object') {
    let entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (opts.sortKeys) entries = entries.sort(([a], [b]) => codePointCompare(a, b));
    return `{${entries.map(([k, v]) => `${pyString(k)}: ${pythonJsonDumps(v, opts, k)}`).join(', ')}}`;
  }
  throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
}

/** JSON.parse, except that numbers become PyNumber with their lexeme. */
export function parsePythonJson(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`Invalid JSON at position ${i}`);
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        const k = string();
        ws();
        if (text[i++] !== ':') fail();
        obj[k] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i++] === '}') return obj;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i++] === ']') return arr;
        else fail();
      }
    }
    if (c === '"') return string();
    for (const [lit, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
    ] as const)
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail();
    i += m[0].length;
    return new PyNumber(m[0]);
  };
  const string = (): string => {
    if (text[i] !== '"') fail();
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}

/** What `json.dumps(json.loads(body), sort_keys=True)` gives in Python: the message Shunya signs. */
export function canonicalPythonJson(body: string): string {
  return pythonJsonDumps(parsePythonJson(body), { sortKeys: true });
}
