// The two readings of the Shunya contract (D45): the strict one (contracts/shunya.openapi.yaml) follows
// its own stated rules, so that a program can check Shunya against it; the tolerant one
// (shunya.tolerant.openapi.yaml) accepts everything the strict one does.
import { describe, expect, it } from 'vitest';
import {
  collectExamples,
  contractValidator,
  esc,
  type Json,
  loadContract,
  resolveLocal,
} from '../helpers/contracts.ts';

const STRICT = 'shunya.openapi.yaml';
const TOLERANT = 'shunya.tolerant.openapi.yaml';
const strict = loadContract(STRICT);
const tolerant = loadContract(TOLERANT);

/** Request bodies Otto sends: optional fields with defaults are allowed there. */
const REQUESTS = new Set(['TranscriptionRequest', 'SegmentationRequest']);
/** Open on purpose: free-form debugging context. */
const OPEN = new Set(['details']);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const operations = (doc: Json) =>
  Object.entries<Json>(doc.paths).flatMap(([p, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ key: `${m.toUpperCase()} ${p}`, op: item[m] })),
  );

interface Visit {
  where: string;
  schema: Json;
}

/** Every schema reachable from the strict document's response and webhook bodies, refs followed once. */
function responseSchemas(): Visit[] {
  const seen = new Set<string>();
  const out: Visit[] = [];
  const walk = (s: Json, where: string) => {
    if (!s || typeof s !== 'object') return;
    if (typeof s.$ref === 'string') {
      if (seen.has(s.$ref)) return;
      seen.add(s.$ref);
      const name = s.$ref.split('/').pop();
      if (REQUESTS.has(name)) return;
      walk(resolveLocal(strict, s.$ref), s.$ref);
      return;
    }
    out.push({ where, schema: s });
    for (const [k, v] of Object.entries<Json>(s.properties ?? {})) if (!OPEN.has(k)) walk(v, `${where}.${k}`);
    for (const key of ['items', 'additionalProperties'] as const)
      if (typeof s[key] === 'object') walk(s[key], `${where}.${key}`);
    for (const key of ['oneOf', 'anyOf', 'allOf'] as const)
      (s[key] ?? []).forEach((x: Json, i: number) => {
        walk(x, `${where}.${key}[${i}]`);
      });
  };
  const media = (content: Json, where: string) => {
    for (const [t, m] of Object.entries<Json>(content ?? {})) walk(m.schema, `${where} ${t}`);
  };
  for (const { key, op } of operations(strict))
    for (const [status, res] of Object.entries<Json>(op.responses)) {
      const r = res.$ref ? resolveLocal(strict, res.$ref) : res;
      media(r.content, `${key} ${status}`);
    }
  for (const [name, item] of Object.entries<Json>(strict.webhooks))
    media(item.post.requestBody.content, `webhook ${name}`);
  return out;
}

const visits = responseSchemas();

describe('the strict contract follows its own rules', () => {
  it('says which reading each document is', () => {
    expect(strict.info['x-reading']).toBe('strict');
    expect(tolerant.info['x-reading']).toBe('tolerant');
  });

  it('reaches the response schemas', () => {
    expect(visits.length).toBeGreaterThan(50);
  });

  it('every response object is closed and lists every field as required', () => {
    const problems: string[] = [];
    for (const { where, schema } of visits) {
      if (!schema.properties) continue;
      if (schema.additionalProperties !== false) problems.push(`${where}: not closed`);
      const missing = Object.keys(schema.properties).filter((k) => !(schema.required ?? []).includes(k));
      if (missing.length) problems.push(`${where}: not required: ${missing.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('every array states its order (x-ordering), with keys that are fields of its items', () => {
    const problems: string[] = [];
    for (const { where, schema } of visits) {
      if (schema.type !== 'array') continue;
      const ordering = schema['x-ordering'];
      if (!ordering || !Array.isArray(ordering.by)) {
        problems.push(`${where}: no x-ordering`);
        continue;
      }
      const items = schema.items?.$ref ? resolveLocal(strict, schema.items.$ref) : schema.items;
      for (const k of ordering.by) {
        if (!items?.properties?.[k.field]) problems.push(`${where}: x-ordering on unknown field ${k.field}`);
        if (!['asc', 'desc'].includes(k.direction)) problems.push(`${where}: direction ${k.direction}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('orders the arrays the handoff cares about (§6.7)', () => {
    const s = strict.components.schemas;
    expect(s.Transcript.properties.speaker_labels['x-ordering']).toEqual({
      by: [{ field: 'start_time', direction: 'asc' }],
      contiguous: { start: 'start_time', end: 'end_time', tolerance_s: 0.05 },
    });
    expect(s.Objections.properties.objections['x-ordering'].by).toEqual([
      { field: 'timestamp', direction: 'asc', nulls: 'last' },
    ]);
    expect(s.CompleteAnalysis.properties.pending_actions['x-ordering'].by).toEqual([
      { field: 'due_at', direction: 'asc', nulls: 'last' },
      { field: 'priority', direction: 'asc', rank: ['high', 'medium', 'low'] },
    ]);
  });

  it('every date-time in a body is UTC with a Z suffix', () => {
    const dt = strict.components.schemas.DateTime;
    const re = new RegExp(dt.pattern);
    expect(re.test('2025-01-15T10:00:00Z')).toBe(true);
    expect(re.test('2025-01-15T10:00:00.123Z')).toBe(true);
    for (const bad of ['2025-01-15T10:00:00+00:00', '2025-01-15T10:00:00', '2025-01-15 10:00:00Z'])
      expect(re.test(bad), bad).toBe(false);
    const loose = visits.filter((v) => v.schema.format === 'date-time' && v.schema.pattern !== dt.pattern);
    expect(loose.map((v) => v.where)).toEqual([]);
  });

  it('every confidence and 0–1 score is in [0, 1]; compliance is 0–10, meeting structure 1–5', () => {
    const problems: string[] = [];
    for (const { where, schema } of visits) {
      const field = where.split('.').pop() ?? '';
      const numeric = [schema.type].flat().includes('number');
      if (!numeric) continue;
      const range =
        field === 'compliance_score'
          ? [0, 10]
          : /confidence|sentiment_score|overall_score|^(budget|authority|need|timeline)$/.test(field)
            ? [0, 1]
            : null;
      if (range && (schema.minimum !== range[0] || schema.maximum !== range[1]))
        problems.push(`${where}: [${schema.minimum}, ${schema.maximum}] instead of [${range}]`);
    }
    expect(problems).toEqual([]);
    const mss = strict.components.schemas.MeetingSegmentation.properties.meeting_structure_score;
    expect([mss.minimum, mss.maximum]).toEqual([1, 5]);
  });

  it('answers asynchronous submissions with 202 only, and one webhook profile', () => {
    for (const { key, op } of operations(strict))
      if (key.startsWith('POST '))
        expect(Object.keys(op.responses).filter((s) => s.startsWith('2'))).toEqual(['202']);
    expect(Object.keys(strict.webhooks)).toEqual(['shunyaJobEvent']);
    expect(strict['x-webhook-delivery'].profile).toBe('handoff');
  });

  it('requires Retry-After on every 429', () => {
    for (const { key, op } of operations(strict)) {
      const r = op.responses['429'];
      expect(r, key).toBeDefined();
      const header = resolveLocal(strict, resolveLocal(strict, r.$ref).headers['Retry-After'].$ref);
      expect(header.required, key).toBe(true);
    }
  });
});

describe('the error catalogue (x-error-catalogue, D47)', () => {
  const catalogue: Json[] = strict['x-error-catalogue'].codes;
  const byCode = new Map(catalogue.map((c) => [c.error_code, c]));

  it('has exactly the documented keys in every entry (a stray comma in a flow mapping would add one)', () => {
    for (const c of catalogue)
      expect(Object.keys(c).sort(), c.error_code).toEqual([
        'error_code',
        'error_type',
        'http_status',
        'retryable',
        'when',
      ]);
    for (const [k, v] of Object.entries<Json>(strict['x-webhook-delivery'].answers))
      expect(Object.keys(v).sort(), k).toEqual(['meaning', 'outcome', 'retry']);
  });

  it('is the ErrorCode enum, with the handoff error types, each code once', () => {
    expect(catalogue.map((c) => c.error_code).sort()).toEqual(
      [...strict.components.schemas.ErrorCode.enum].sort(),
    );
    expect(byCode.size).toBe(catalogue.length);
    const types = strict.components.schemas.ErrorType.enum;
    for (const c of catalogue) {
      expect(types, c.error_code).toContain(c.error_type);
      expect(typeof c.retryable, c.error_code).toBe('boolean');
      expect(c.http_status, c.error_code).toBeGreaterThanOrEqual(400);
    }
  });

  it('holds the codes of the handoff and of Shunya’s error table', () => {
    for (const code of [
      'INTERNAL_ERROR',
      'INVALID_AUDIO_URL',
      'BAD_REQUEST',
      'VALIDATION_ERROR',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'NOT_FOUND',
      'ANALYSIS_NOT_AVAILABLE',
      'INTERNAL_SERVER_ERROR',
      'ANALYSIS_FAILED',
      'TRANSCRIPTION_FAILED',
      'SERVICE_UNAVAILABLE',
      'RATE_LIMIT_EXCEEDED',
      'CALL_NOT_FOUND',
      'PERMISSION_DENIED',
    ])
      expect(byCode.has(code), code).toBe(true);
  });

  it('every error example has its code’s status, type and retryable', () => {
    const problems: string[] = [];
    const check = (status: string, example: Json, where: string) => {
      const e = example?.error;
      if (!e?.error_code) return;
      const c = byCode.get(e.error_code);
      if (!c) problems.push(`${where}: ${e.error_code} is not catalogued`);
      else if (
        String(c.http_status) !== status ||
        c.error_type !== e.error_type ||
        c.retryable !== e.retryable
      )
        problems.push(`${where}: ${e.error_code} as ${status}/${e.error_type}/${e.retryable}`);
    };
    for (const { key, op } of operations(strict))
      for (const [status, res] of Object.entries<Json>(op.responses)) {
        if (Number(status) < 400) continue;
        const r = res.$ref ? resolveLocal(strict, res.$ref) : res;
        for (const m of Object.values<Json>(r.content ?? {}))
          for (const [n, ex] of Object.entries<Json>(m.examples ?? {}))
            check(status, ex.$ref ? resolveLocal(strict, ex.$ref).value : ex.value, `${key} ${status} ${n}`);
      }
    expect(problems).toEqual([]);
  });

  it('each error response lists only codes of its own status in its description', () => {
    const problems: string[] = [];
    for (const [name, r] of Object.entries<Json>(strict.components.responses)) {
      const codes = (r.description as string).match(/`[A-Z][A-Z0-9_]+`/g) ?? [];
      const statuses = new Set(codes.map((c) => byCode.get(c.slice(1, -1))?.http_status));
      if (statuses.size > 1) problems.push(`${name}: ${[...statuses].join(', ')}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('the tolerant reading accepts everything the strict contract does', () => {
  it('has every operation, status code and webhook of the strict contract', () => {
    const t = new Map(operations(tolerant).map((o) => [o.key, o.op]));
    for (const { key, op } of operations(strict)) {
      expect(t.has(key), key).toBe(true);
      for (const status of Object.keys(op.responses))
        expect(t.get(key).responses[status], `${key} ${status}`).toBeDefined();
    }
    for (const name of Object.keys(strict.webhooks)) expect(tolerant.webhooks[name], name).toBeDefined();
  });

  const validator = contractValidator();
  const cases = collectExamples(STRICT).filter(
    (c) => resolveLocal(tolerant, `#${c.schemaPointer}`) !== undefined,
  );

  it('finds the strict examples in the tolerant document', () => {
    expect(cases.length).toBeGreaterThan(30);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    'strict example %s is valid in the tolerant reading',
    (_n, c) => {
      expect(validator.validate(TOLERANT, c.schemaPointer, c.value)).toEqual([]);
    },
  );

  it('the tolerant reading is wider: Shunya’s own examples fail the strict contract', () => {
    const shunyaShape = tolerant.components.examples.CompleteAnalysisShunya.value;
    const pointer = `/components/schemas/${esc('CompleteAnalysis')}`;
    expect(validator.validate(TOLERANT, pointer, shunyaShape)).toEqual([]);
    expect(validator.validate(STRICT, pointer, shunyaShape)).not.toEqual([]);
  });
});
