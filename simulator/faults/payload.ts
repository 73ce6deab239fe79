// Payload faults: results that break the contract on purpose, as Otto's normaliser must survive them
// (§2.1 "Response Normalization", §6): the field-name variations of §6, missing optional fields,
// nulls where the contract has none, and numbers written as strings. (`shunya_shape` is applied by the
// renderer: it picks Shunya's reference shape for this one result.)
import type { FaultRule } from './rules.ts';

export type PayloadKind = 'transcript' | 'analysis' | 'segmentation';
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The contract's required properties, by path ('' is the root, '[]' an array's items). */
const REQUIRED: Record<PayloadKind, Record<string, string[]>> = {
  transcript: { '': ['call_id', 'transcript_text'] },
  analysis: {
    '': ['call_id', 'qualification', 'objections', 'compliance', 'summary'],
    qualification: ['qualification_status'],
    objections: ['objections'],
    'objections.objections[]': [
      'objection_text',
      'category_id',
      'category_text',
      'severity',
      'overcome',
      'timestamp',
      'confidence_score',
    ],
    compliance: ['compliance_score', 'stages_followed', 'stages_missed'],
    summary: ['summary'],
  },
  segmentation: {
    '': ['call_id', 'part1', 'part2'],
    part1: ['start_time', 'end_time', 'duration', 'content', 'key_points'],
    part2: ['start_time', 'end_time', 'duration', 'content', 'key_points'],
  },
};

/** §6.1, §6.3, §6.4: the names Otto's normaliser must also accept. */
export const FIELD_VARIANTS: Record<PayloadKind, string[]> = {
  transcript: ['transcript', 'speakers', 'diarization', 'confidence'],
  analysis: ['objection', 'category', 'sentiment', 'sentiment_analysis.score'],
  segmentation: [],
};

function rename(o: unknown, from: string, to: string): void {
  if (isObj(o) && from in o) {
    o[to] = o[from];
    delete o[from];
  }
}

function applyVariant(body: Obj, variant: string): void {
  const objections =
    isObj(body.objections) && Array.isArray(body.objections.objections) ? body.objections.objections : [];
  const sentimentHolders = [body, body.summary].filter((h): h is Obj => isObj(h) && 'sentiment_score' in h);
  switch (variant) {
    case 'transcript':
      rename(body, 'transcript_text', 'transcript');
      return;
    case 'speakers':
    case 'diarization':
      rename(body, 'speaker_labels', variant);
      return;
    case 'confidence':
      rename(body, 'confidence_score', 'confidence');
      return;
    case 'objection':
      for (const o of objections) rename(o, 'objection_text', 'objection');
      return;
    case 'category':
      for (const o of objections) rename(o, 'category_text', 'category');
      return;
    case 'sentiment':
      for (const h of sentimentHolders) rename(h, 'sentiment_score', 'sentiment');
      return;
    case 'sentiment_analysis.score':
      for (const h of sentimentHolders) {
        h.sentiment_analysis = { score: h.sentiment_score };
        delete h.sentiment_score;
      }
  }
}

/** Removes (or nulls) every property the contract does not require, keeping the required skeleton. */
function strip(value: unknown, kind: PayloadKind, path: string, mode: 'remove' | 'null'): void {
  if (Array.isArray(value)) {
    for (const item of value) strip(item, kind, `${path}[]`, mode);
    return;
  }
  if (!isObj(value)) return;
  const required = REQUIRED[kind][path];
  if (!required) return;
  for (const key of Object.keys(value)) {
    const child = path ? `${path}.${key}` : key;
    if (required.includes(key)) strip(value[key], kind, child, mode);
    else if (mode === 'remove') delete value[key];
    else value[key] = null;
  }
}

/** Deletes or nulls dotted paths such as `summary.key_points` or `objections.objections[].timestamp`. */
function atPaths(body: Obj, fields: string[], mode: 'remove' | 'null'): void {
  const walk = (o: unknown, parts: string[]): void => {
    const [head, ...rest] = parts;
    if (head === undefined || !isObj(o)) return;
    const arr = head.endsWith('[]');
    const key = arr ? head.slice(0, -2) : head;
    if (rest.length === 0 && !arr) {
      if (mode === 'remove') delete o[key];
      else if (key in o) o[key] = null;
      return;
    }
    const next = o[key];
    if (arr && Array.isArray(next)) for (const item of next) walk(item, rest);
    else walk(next, rest);
  };
  for (const f of fields) walk(body, f.split('.'));
}

function numbersToStrings(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(numbersToStrings);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, numbersToStrings(x)]));
  return v;
}

/** Applies the payload faults among `rules` to a copy of `body`. */
export function mutatePayload<T>(body: T, kind: PayloadKind, rules: FaultRule[], random: () => number): T {
  let out = structuredClone(body) as unknown as Obj;
  for (const r of rules) {
    switch (r.kind) {
      case 'field_variants': {
        const all = FIELD_VARIANTS[kind];
        const pickOne = (a: string, b: string) => (random() < 0.5 ? a : b);
        const variants =
          r.params.variants ??
          all
            .filter((v) => v !== 'diarization' && v !== 'sentiment_analysis.score')
            .map((v) =>
              v === 'speakers'
                ? pickOne('speakers', 'diarization')
                : v === 'sentiment'
                  ? pickOne('sentiment', 'sentiment_analysis.score')
                  : v,
            );
        for (const v of variants) applyVariant(out, v);
        break;
      }
      case 'missing_optional':
      case 'nulls': {
        const mode = r.kind === 'nulls' ? 'null' : 'remove';
        if (r.params.fields) atPaths(out, r.params.fields, mode);
        else strip(out, kind, '', mode);
        break;
      }
      case 'numbers_as_strings':
        out = numbersToStrings(out) as Obj;
        break;
    }
  }
  return out as unknown as T;
}
