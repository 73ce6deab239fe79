// A JSON parser that keeps each number's source text (JsonNumber), so that `1.0` and `1` stay different
// as they are in Python (float vs int), and big integers keep every digit. JSON.parse cannot do this
// on Node 20 (its reviver has no `source`). Used to re-create Shunya's signed JSON (python-json.ts).
// Accepts what Python's json.loads accepts: RFC 8259 JSON plus NaN, Infinity and -Infinity.

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

export function parseJsonLossless(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  const literal = (word: string, value: unknown) => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail('unexpected token');
  };
  const string = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i++] as string;
      if (c === '"') return out;
      if (c === '\\') {
        const e = text[i++] as string;
        if (e === 'u') {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
        } else if (e in ESCAPES) out += ESCAPES[e];
        else fail('bad escape');
      } else if (c < ' ') fail('control character in string');
      else out += c;
    }
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
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[i++] !== ':') fail('expected ":"');
        // defineProperty: a key named "__proto__" is data, as in Python; the last duplicate wins.
        Object.defineProperty(obj, key, {
          value: value(),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        ws();
        const sep = text[i++];
        if (sep === '}') return obj;
        if (sep !== ',') fail('expected "," or "}"');
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
        const sep = text[i++];
        if (sep === ']') return arr;
        if (sep !== ',') fail('expected "," or "]"');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === 'N') return literal('NaN', Number.NaN);
    if (c === 'I') return literal('Infinity', Number.POSITIVE_INFINITY);
    if (c === '-' && text.startsWith('-Infinity', i)) return literal('-Infinity', Number.NEGATIVE_INFINITY);
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('unexpected token');
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  const result = value();
  ws();
  if (i !== text.length) fail('unexpected data after JSON');
  return result;
}
