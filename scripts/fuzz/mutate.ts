// Mutations of valid inputs, as data: a fuzz case is a recipe (which edits, where, with what) that is
// applied at run time to a freshly built valid payload, so that fast-check can print, replay and shrink
// it. Paths are chosen by index (modulo the number of paths the value has when the edit is applied), so
// one recipe means the same thing for every payload of the same shape.
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// ---------------------------------------------------------------------------------------------------
// Replacement values

/** Edge values by name, so counterexamples stay readable. */
export const EDGE_VALUES = {
  null: null,
  empty: '',
  blank: '   ',
  nul: 'a\u0000b',
  onlyNul: '\u0000',
  loneSurrogate: '\ud800x',
  emoji: '👩🏽‍🔧 🔥',
  rtl: '\u202eevil\u202c',
  zeroWidth: '\u200b\ufeff',
  controls: '\u0001\u001f\u007f\u0085',
  zero: 0,
  negZero: -0,
  minusOne: -1,
  maxDouble: 1.7976931348623157e308,
  tiny: 5e-324,
  int32Overflow: 2 ** 31,
  uint32Overflow: 2 ** 32 + 5,
  unsafeInt: 2 ** 53 + 1,
  fraction: 0.5,
  numericString: '0.85',
  percentString: '85',
  paddedNumber: ' 12 ',
  hugeExponent: '1e999',
  nanString: 'NaN',
  trueValue: true,
  falseValue: false,
  yes: 'yes',
  emptyArray: [],
  emptyObject: {},
  isoDate: '2025-01-15T10:00:00Z',
  yearZero: '0000-01-01T00:00:00Z',
  feb30: '2025-02-30T10:00:00Z',
  hour24: '2025-01-15T24:00:00Z',
  year9999: '9999-12-31T23:59:59-01:00',
  dateOnly: '2025-01-15',
  farFuture: '275760-09-13T00:00:00.000Z',
  legacyDate: '2025-01-15 (Wednesday) 10:00',
  shortDate: '1',
  sqlish: "'; DROP TABLE calls; --",
  protoKey: '__proto__',
  uuid: '00000000-0000-0000-0000-000000000000',
  notUuid: 'company_abc123',
  longToken: 'x'.repeat(300),
} as const satisfies Record<string, Json>;
export type EdgeName = keyof typeof EDGE_VALUES;

export type Replacement =
  | { t: 'edge'; name: EdgeName }
  | { t: 'json'; v: Json }
  | { t: 'text'; s: string }
  | { t: 'huge'; size: number; ch: string }
  | { t: 'deep'; depth: number; shape: DeepShape };

export type DeepShape = 'array' | 'object' | 'error';

/**
 * Values nested deeper than this are not built as JS values (structuredClone and JSON.stringify overflow
 * the stack long before JSON.parse does): they are a marker string that `serialize` replaces by the
 * nested text, so the server and the normalisers get them through JSON.parse as in production.
 */
const MAX_BUILT_DEPTH = 1000;
const DEEP_MARK = '\u0007deep\u0007';
const DEEP_MARK_RE = /"\\u0007deep\\u0007(\d+):(array|object|error)\\u0007deep\\u0007"/g;

export function deepText(depth: number, shape: DeepShape, inner = 'null'): string {
  const open = shape === 'array' ? '[' : shape === 'object' ? '{"a":' : '{"error":';
  const close = shape === 'array' ? ']' : '}';
  return open.repeat(depth) + (shape === 'error' ? '{}' : inner) + close.repeat(depth);
}

export function materialize(r: Replacement, inner: Json = null): Json {
  switch (r.t) {
    case 'edge': {
      const v = EDGE_VALUES[r.name];
      return (typeof v === 'object' && v !== null ? structuredClone(v) : v) as Json;
    }
    case 'json':
      return structuredClone(r.v);
    case 'text':
      return r.s;
    case 'huge':
      return r.ch.repeat(Math.ceil(r.size / Math.max(r.ch.length, 1))).slice(0, r.size);
    case 'deep': {
      if (r.depth > MAX_BUILT_DEPTH) return `${DEEP_MARK}${r.depth}:${r.shape}${DEEP_MARK}`;
      let v: Json = r.shape === 'error' ? {} : inner;
      for (let i = 0; i < r.depth; i++)
        v = r.shape === 'array' ? [v] : r.shape === 'object' ? { a: v } : { error: v };
      return v;
    }
  }
}

export const DEEP_DEPTHS = [8, 64, 512, 1000, 4000, 12_000, 60_000];

export const replacementArb: fc.Arbitrary<Replacement> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .constantFrom(...(Object.keys(EDGE_VALUES) as EdgeName[]))
      .map((name) => ({ t: 'edge' as const, name })),
  },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ t: 'json' as const, v: v as Json })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
      )
      .map((s) => ({ t: 'text' as const, s })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('huge' as const),
      size: fc.oneof(
        { weight: 12, arbitrary: fc.constant(1_000) },
        { weight: 4, arbitrary: fc.constant(70_000) },
        { weight: 1, arbitrary: fc.constant(600_000) },
      ),
      ch: fc.constantFrom('a', 'é', '😀', '\\', '"'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('deep' as const),
      depth: fc.constantFrom(...DEEP_DEPTHS),
      shape: fc.constantFrom<DeepShape>('array', 'object', 'error'),
    }),
  },
);

// ---------------------------------------------------------------------------------------------------
// Edits of a parsed JSON value

export type JsonEdit =
  | { op: 'set'; at: number; r: Replacement }
  | { op: 'setKey'; key: string; r: Replacement }
  | { op: 'delete'; at: number }
  | { op: 'deleteKey'; key: string }
  | { op: 'retype'; at: number; to: 'string' | 'number' | 'array' | 'object' | 'boolean' }
  | { op: 'add'; at: number; key: string; r: Replacement }
  | { op: 'copy'; from: number; to: number }
  | { op: 'nest'; at: number; r: { t: 'deep'; depth: number; shape: DeepShape } };

type Path = (string | number)[];

function paths(v: unknown, at: Path = [], out: Path[] = [], budget = { n: 5000 }): Path[] {
  if (budget.n-- <= 0) return out;
  out.push(at);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) paths(v[i], [...at, i], out, budget);
  } else if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out, budget);
  }
  return out;
}

function getAt(root: Json, path: Path): Json {
  let v: Json = root;
  for (const p of path) v = (v as Record<string | number, Json>)[p] as Json;
  return v;
}

/** Replaces (or deletes, `value === undefined`) the value at `path`; returns the new root. */
function setAt(root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Record<string, Json>)[last];
  } else if (typeof last === 'string' && last === '__proto__') {
    Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true });
  } else {
    (parent as Record<string | number, Json>)[last] = value;
  }
  return root;
}

/** The first path (breadth-first order of `paths`) whose last segment is `key`. */
function pathOfKey(ps: Path[], key: string): Path | undefined {
  return [...ps].sort((a, b) => a.length - b.length).find((p) => p[p.length - 1] === key);
}

function retype(v: Json, to: 'string' | 'number' | 'array' | 'object' | 'boolean'): Json {
  switch (to) {
    case 'string':
      return typeof v === 'string' ? `${v}!` : (JSON.stringify(v) ?? 'null');
    case 'number': {
      const n = Number(v);
      return Number.isFinite(n) ? n : 42;
    }
    case 'array':
      return [v];
    case 'object':
      return { value: v };
    case 'boolean':
      return !v;
  }
}

/** Applies the edits in order to a deep copy of `value`. */
export function applyJsonEdits(value: Json, edits: readonly JsonEdit[]): Json {
  let root: Json = structuredClone(value);
  for (const e of edits) {
    const ps = paths(root);
    const pick = (n: number) => ps[n % ps.length] as Path;
    switch (e.op) {
      case 'set': {
        const p = pick(e.at);
        root = setAt(root, p, materialize(e.r));
        break;
      }
      case 'setKey': {
        const p = pathOfKey(ps, e.key);
        if (p) root = setAt(root, p, materialize(e.r));
        else if (typeof root === 'object' && root !== null && !Array.isArray(root))
          root = setAt(root, [e.key], materialize(e.r));
        break;
      }
      case 'delete': {
        const p = pick(e.at);
        if (p.length > 0) root = setAt(root, p, undefined);
        break;
      }
      case 'deleteKey': {
        const p = pathOfKey(ps, e.key);
        if (p) root = setAt(root, p, undefined);
        break;
      }
      case 'retype': {
        const p = pick(e.at);
        root = setAt(root, p, retype(getAt(root, p), e.to));
        break;
      }
      case 'add': {
        // into the object at the path, or its nearest object ancestor
        let p = pick(e.at);
        while (p.length > 0) {
          const v = getAt(root, p);
          if (typeof v === 'object' && v !== null && !Array.isArray(v)) break;
          p = p.slice(0, -1);
        }
        const target = getAt(root, p);
        if (typeof target === 'object' && target !== null && !Array.isArray(target))
          root = setAt(root, [...p, e.key], materialize(e.r));
        break;
      }
      case 'copy': {
        const from = getAt(root, pick(e.from));
        root = setAt(root, pick(e.to), structuredClone(from));
        break;
      }
      case 'nest': {
        const p = pick(e.at);
        root = setAt(root, p, materialize(e.r, getAt(root, p)));
        break;
      }
    }
  }
  return root;
}

/** Keys holding date-times, and values that Date and Postgres may read differently. */
export const DATE_KEYS = [
  'due_at',
  'appointment_date',
  'scheduled_time',
  'start_time',
  'created_at',
  'timestamp',
];
const DATE_EDGES: EdgeName[] = [
  'isoDate',
  'yearZero',
  'feb30',
  'hour24',
  'year9999',
  'dateOnly',
  'farFuture',
  'legacyDate',
  'shortDate',
  'percentString',
  'empty',
  'zero',
];
/** Keys holding numbers, and numbers at the edges of what columns and scales hold. */
export const NUMBER_KEYS = [
  'word_count',
  'call_id',
  'duration',
  'duration_seconds',
  'start_time',
  'end_time',
  'confidence',
  'confidence_score',
  'sentiment_score',
  'compliance_score',
  'overall_score',
  'meeting_structure_score',
  'transition_point',
  'category_id',
  'transcript_id',
  'timestamp',
  'score',
];
const NUMBER_EDGES: EdgeName[] = [
  'zero',
  'negZero',
  'minusOne',
  'maxDouble',
  'tiny',
  'int32Overflow',
  'uint32Overflow',
  'unsafeInt',
  'fraction',
  'numericString',
  'percentString',
  'paddedNumber',
  'hugeExponent',
  'nanString',
  'trueValue',
];

/** Keys worth aiming at: the envelopes' and results' fields the code branches on. */
export const INTERESTING_KEYS = [
  'shunya_job_id',
  'task_id',
  'job_id',
  'company_id',
  'status',
  'event_type',
  'result',
  'data',
  'error',
  'call_id',
  'transcript_text',
  'speaker_labels',
  'start_time',
  'end_time',
  'word_count',
  'confidence_score',
  'qualification',
  'qualification_status',
  'objections',
  'compliance',
  'compliance_score',
  'summary',
  'sentiment_score',
  'pending_actions',
  'due_at',
  'appointment_date',
  'entities',
  'part1',
  'part2',
  'outcome',
  'resource_id',
  'company_resource_id',
  'recording',
  'recording_url',
  'duration',
  'customer_phone_number',
  'customer_name',
  'answered',
  'direction',
  'start_time',
  'success',
];

const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INTERESTING_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', '', ' ', 'ключ', '😀') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

export const jsonEditArb: fc.Arbitrary<JsonEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), r: replacementArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('setKey' as const),
      key: fc.constantFrom(...INTERESTING_KEYS),
      r: replacementArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('setKey' as const),
      key: fc.constantFrom(...DATE_KEYS),
      r: fc.constantFrom(...DATE_EDGES).map((name) => ({ t: 'edge' as const, name })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('setKey' as const),
      key: fc.constantFrom(...NUMBER_KEYS),
      r: fc.oneof(
        fc.constantFrom(...NUMBER_EDGES).map((name) => ({ t: 'edge' as const, name })),
        fc
          .oneof(fc.integer(), fc.double())
          .map((v) => ({ t: 'json' as const, v: Number.isFinite(v) ? v : 0 })),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('deleteKey' as const),
      key: fc.constantFrom(...INTERESTING_KEYS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('retype' as const),
      at: fc.nat(),
      to: fc.constantFrom(
        'string' as const,
        'number' as const,
        'array' as const,
        'object' as const,
        'boolean' as const,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: keyArb, r: replacementArb }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('copy' as const), from: fc.nat(), to: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('nest' as const),
      at: fc.nat(),
      r: fc.record({
        t: fc.constant('deep' as const),
        depth: fc.constantFrom(...DEEP_DEPTHS),
        shape: fc.constantFrom<DeepShape>('array', 'object', 'error'),
      }),
    }),
  },
);

// ---------------------------------------------------------------------------------------------------
// Serialisations and edits of the bytes

export type Serialization = 'compact' | 'pretty' | 'asciiEscaped' | 'spaced';

/** JSON text of `v`: compact, indented, with every non-ASCII character \u-escaped, or with odd spacing. */
export function serialize(v: Json, how: Serialization): string {
  return expandDeep(serializeShallow(v, how));
}

/** Replaces the markers of very deep values (see `materialize`) by their nested JSON text. */
export function expandDeep(text: string): string {
  return text.includes('u0007deep')
    ? text.replace(DEEP_MARK_RE, (_m, d, shape) => deepText(Number(d), shape))
    : text;
}

function serializeShallow(v: Json, how: Serialization): string {
  switch (how) {
    case 'compact':
      return JSON.stringify(v) ?? 'null';
    case 'pretty':
      return JSON.stringify(v, null, 2) ?? 'null';
    case 'asciiEscaped':
      return (JSON.stringify(v) ?? 'null').replace(
        /[^\x20-\x7e]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    case 'spaced':
      return ` \r\n\t${JSON.stringify(v, null, '\t') ?? 'null'}\n `;
  }
}

export type TextEdit =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'remove'; at: number; len: number }
  | { op: 'dupKey'; key: string; r: Replacement }
  | { op: 'bom' }
  | { op: 'append'; text: string }
  | { op: 'wrap'; depth: number }
  | { op: 'nonFinite'; token: 'NaN' | 'Infinity' | '-Infinity' | '1e400' | '-0' | '1.0' }
  | { op: 'empty' }
  | { op: 'replaceAll'; bytes: number[] };

/** Applies text edits to the body's bytes. Positions are taken modulo the length. */
export function applyTextEdits(body: Buffer, edits: readonly TextEdit[]): Buffer {
  let b = body;
  for (const e of edits) {
    const len = b.length;
    const pos = (n: number) => (len === 0 ? 0 : n % (len + 1));
    switch (e.op) {
      case 'truncate':
        b = b.subarray(0, pos(e.at));
        break;
      case 'flip': {
        if (len === 0) break;
        const c = Buffer.from(b);
        const i = e.at % len;
        c[i] = (c[i] as number) ^ (1 << (e.bit % 8));
        b = c;
        break;
      }
      case 'insert': {
        const i = pos(e.at);
        b = Buffer.concat([b.subarray(0, i), Buffer.from(e.bytes), b.subarray(i)]);
        break;
      }
      case 'remove': {
        const i = pos(e.at);
        b = Buffer.concat([b.subarray(0, i), b.subarray(Math.min(len, i + e.len))]);
        break;
      }
      case 'dupKey': {
        // a second occurrence of the key, first in the text (JSON.parse keeps the last one)
        const i = b.indexOf('{');
        if (i < 0) break;
        const extra = `${JSON.stringify(e.key)}:${JSON.stringify(materialize(e.r)) ?? 'null'},`;
        const after = b
          .subarray(i + 1)
          .toString('utf8')
          .trimStart();
        b = Buffer.concat([
          b.subarray(0, i + 1),
          Buffer.from(after.startsWith('}') ? extra.slice(0, -1) : extra),
          Buffer.from(after),
        ]);
        break;
      }
      case 'bom':
        b = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
        break;
      case 'append':
        b = Buffer.concat([b, Buffer.from(e.text)]);
        break;
      case 'wrap':
        b = Buffer.concat([Buffer.from('['.repeat(e.depth)), b, Buffer.from(']'.repeat(e.depth))]);
        break;
      case 'nonFinite': {
        const m = /(?<=[:[,]\s*)-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(b.toString('utf8'));
        if (!m) break;
        const s = b.toString('utf8');
        b = Buffer.from(s.slice(0, m.index) + e.token + s.slice(m.index + m[0].length));
        break;
      }
      case 'empty':
        b = Buffer.alloc(0);
        break;
      case 'replaceAll':
        b = Buffer.from(e.bytes);
        break;
    }
  }
  return b;
}

const byteArb = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x3a, 0x80, 0xc3, 0xed, 0xff),
);

export const textEditArb: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.array(byteArb, { minLength: 1, maxLength: 6 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('remove' as const),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('dupKey' as const),
      key: fc.constantFrom(...INTERESTING_KEYS),
      r: replacementArb,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'bom' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('append' as const),
      text: fc.constantFrom(',', '}', ' ', '\u0000', 'garbage', '{}', '\n\n'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('wrap' as const), depth: fc.constantFrom(...DEEP_DEPTHS) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('nonFinite' as const),
      token: fc.constantFrom(
        'NaN' as const,
        'Infinity' as const,
        '-Infinity' as const,
        '1e400' as const,
        '-0' as const,
        '1.0' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'empty' as const }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc
        .jsonValue({ maxDepth: 3 })
        .map((v) => ({ op: 'replaceAll' as const, bytes: [...Buffer.from(JSON.stringify(v))] })),
      fc.uint8Array({ maxLength: 64 }).map((a) => ({ op: 'replaceAll' as const, bytes: [...a] })),
    ),
  },
);

/** Mostly small edit lists; empty lists keep a share of pristine inputs. */
export const editsArb = <T>(arb: fc.Arbitrary<T>, max = 4) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant([] as T[]) },
    { weight: 3, arbitrary: fc.array(arb, { minLength: 1, maxLength: max }) },
  );
