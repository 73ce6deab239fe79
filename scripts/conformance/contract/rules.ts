// The contract's rules a JSON Schema cannot state, read from its machine-readable tables:
// `x-authentication` (the JWT's algorithms, claims and clock leeway; whether requests are signed, D160),
// `x-tenancy` (the answers for a call the tenant cannot see, D162) and `x-rules` (rules between fields
// of one object: counts, lookups, D163). Where the contract is silent the handoff's statements apply,
// and the report says so (D66).
import { findExtensions } from './extensions.ts';
import type { AuthRules, FieldRule, Provenance, Tenancy } from './model.ts';

// biome-ignore lint/suspicious/noExplicitAny: the contract is arbitrary YAML
type Json = any;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown, fb: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fb);

/** §4.5: HS256, iss otto-backend, aud uwc, a 5-minute TTL; the handoff states no leeway or signing rule. */
const FALLBACK_AUTH: AuthRules = {
  algorithms: ['HS256'],
  issuer: 'otto-backend',
  audience: 'uwc',
  ttlS: 300,
  leewayS: 30,
  signatureRequired: false,
  source: 'handoff §4.5',
};

export function readAuth(doc: Json, prov: Provenance[]): AuthRules {
  const v = findExtensions(doc, /^x-authentication$/)[0]?.value;
  if (!v || typeof v !== 'object') {
    prov.push({
      what: 'authentication',
      from: 'handoff',
      detail: `${FALLBACK_AUTH.source}: HS256, 5-minute TTL`,
    });
    return FALLBACK_AUTH;
  }
  const jwt = v.jwt ?? {};
  const sig = v.request_signature ?? {};
  const rules: AuthRules = {
    algorithms: Array.isArray(jwt.algorithms) ? jwt.algorithms.map(String) : FALLBACK_AUTH.algorithms,
    issuer: str(jwt.issuer),
    audience: str(jwt.audience),
    ttlS: num(jwt.ttl_s, FALLBACK_AUTH.ttlS),
    leewayS: num(jwt.leeway_s, FALLBACK_AUTH.leewayS),
    signatureRequired: sig.required === 'with_body' || sig.required === true,
    source: 'contract x-authentication',
  };
  prov.push({
    what: 'authentication',
    from: 'contract',
    detail: `JWT ${rules.algorithms.join('/')}, iss ${rules.issuer ?? '(any)'}, aud ${rules.audience ?? '(any)'}, ${rules.ttlS} s TTL, ${rules.leewayS} s leeway; X-Signature ${rules.signatureRequired ? 'required on every request with a body' : 'optional'}`,
  });
  return rules;
}

/** The contract's prose before x-tenancy: 404 CALL_NOT_FOUND (D50). */
const FALLBACK_TENANCY: Tenancy = { status: 404, codes: ['CALL_NOT_FOUND'], source: 'contract prose (D50)' };

export function readTenancy(doc: Json, prov: Provenance[]): Tenancy {
  const v = findExtensions(doc, /^x-tenancy$/)[0]?.value?.unknown_call;
  const codes = Array.isArray(v?.error_codes) ? v.error_codes.map(String) : null;
  if (!codes?.length) {
    prov.push({ what: 'unknown calls', from: 'handoff', detail: '404 CALL_NOT_FOUND (D50)' });
    return FALLBACK_TENANCY;
  }
  const t = { status: num(v.http_status, 404), codes, source: 'contract x-tenancy' };
  prov.push({
    what: 'unknown calls',
    from: 'contract',
    detail: `${t.status} ${codes.join(' or ')}; another tenant's call is answered the same (x-tenancy)`,
  });
  return t;
}

/** The value at a JSON pointer of the document. */
function resolve(doc: Json, pointer: string): unknown {
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .reduce((n: Json, k: string) => n?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

function fieldRule(doc: Json, r: Json): FieldRule | null {
  const id = str(r?.id) ?? `${r?.kind} ${r?.field}`;
  const field = str(r?.field);
  if (!field) return null;
  if (r.kind === 'count' && str(r.of)) return { id, kind: 'count', field, of: r.of };
  if (r.kind === 'count_by' && str(r.of) && str(r.key))
    return { id, kind: 'count_by', field, of: r.of, key: r.key };
  if (r.kind === 'lookup' && str(r.from) && str(r.table)) {
    const table = resolve(doc, r.table);
    if (table && typeof table === 'object')
      return {
        id,
        kind: 'lookup',
        field,
        from: r.from,
        table: table as Record<string, unknown>,
        tableAt: r.table,
      };
  }
  return null;
}

export function readFieldRules(doc: Json, prov: Provenance[]): FieldRule[] {
  const v = findExtensions(doc, /^x-rules$/)[0]?.value;
  const list: Json[] = Array.isArray(v) ? v : Array.isArray(v?.rules) ? v.rules : [];
  const rules = list.map((r) => fieldRule(doc, r)).filter((r): r is FieldRule => r !== null);
  prov.push(
    rules.length
      ? { what: 'rules between fields', from: 'contract', detail: rules.map(describeFieldRule).join('; ') }
      : {
          what: 'rules between fields',
          from: 'handoff',
          detail: 'the contract has no x-rules; none checked',
        },
  );
  return rules;
}

export function describeFieldRule(r: FieldRule): string {
  if (r.kind === 'count') return `${r.field} = the number of ${r.of} (x-rules ${r.id})`;
  if (r.kind === 'count_by')
    return `${r.field}.<v> = the number of ${r.of} with ${r.key} <v> (x-rules ${r.id})`;
  return `${r.field} = ${r.tableAt.split('/').pop()}[${r.from}] (x-rules ${r.id})`;
}
