// Checks a body against the `x-ordering` of the strict Shunya contract's schemas (D53): every array whose
// schema states sort keys is sorted by them (nulls where `nulls` says, enum values by `rank`), and a
// `contiguous` array has each item start where the previous one ended.
import type { Json } from './contracts.ts';
import { resolveLocal } from './contracts.ts';

interface Key {
  field: string;
  direction: 'asc' | 'desc';
  nulls?: 'first' | 'last';
  rank?: string[];
}

function compare(a: Json, b: Json, k: Key): number {
  const va = a?.[k.field] ?? null;
  const vb = b?.[k.field] ?? null;
  if (va === null || vb === null) {
    if (va === vb) return 0;
    const nullFirst = k.nulls === 'first' ? -1 : 1;
    return va === null ? nullFirst : -nullFirst;
  }
  const x = k.rank ? k.rank.indexOf(va) : typeof va === 'string' && /^\d{4}-/.test(va) ? Date.parse(va) : va;
  const y = k.rank ? k.rank.indexOf(vb) : typeof vb === 'string' && /^\d{4}-/.test(vb) ? Date.parse(vb) : vb;
  const d = x < y ? -1 : x > y ? 1 : 0;
  return k.direction === 'desc' ? -d : d;
}

/** The violations of `x-ordering` in `value`, checked against the schema at `pointer` of `doc`. */
export function orderingViolations(doc: Json, schema: Json, value: Json, where = '$'): string[] {
  const s = schema?.$ref ? resolveLocal(doc, schema.$ref) : schema;
  if (!s || value === null || value === undefined) return [];
  const out: string[] = [];
  for (const alt of [...(s.oneOf ?? []), ...(s.anyOf ?? [])]) {
    const r = alt.$ref ? resolveLocal(doc, alt.$ref) : alt;
    if (r?.type === 'object' && typeof value === 'object' && !Array.isArray(value)) {
      const required: string[] = r.required ?? [];
      if (required.every((k) => k in value)) out.push(...orderingViolations(doc, r, value, where));
    }
  }
  if (Array.isArray(value) && s.type === 'array') {
    const ordering = s['x-ordering'];
    const keys: Key[] = ordering?.by ?? [];
    for (let i = 1; i < value.length && keys.length > 0; i++) {
      let c = 0;
      for (const k of keys) {
        c = compare(value[i - 1], value[i], k);
        if (c !== 0) break;
      }
      if (c > 0) out.push(`${where}[${i}] is out of order (${keys.map((k) => k.field).join(', ')})`);
    }
    const cont = ordering?.contiguous;
    if (cont)
      for (let i = 1; i < value.length; i++)
        if (Math.abs(value[i][cont.start] - value[i - 1][cont.end]) > cont.tolerance_s)
          out.push(`${where}[${i}] does not start where ${where}[${i - 1}] ended`);
    value.forEach((v, i) => {
      out.push(...orderingViolations(doc, s.items, v, `${where}[${i}]`));
    });
  } else if (value && typeof value === 'object' && s.properties)
    for (const [k, sub] of Object.entries<Json>(s.properties))
      out.push(...orderingViolations(doc, sub, value[k], `${where}.${k}`));
  return out;
}
