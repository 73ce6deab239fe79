// Operation-by-operation differences between two OpenAPI documents, as stable one-line keys: paths and
// methods, parameters (location, name, required, type), request and response schemas (properties,
// required, types, nullability, enums, defaults, bounds, closedness) and response status codes. Used to
// compare the strict Shunya contract with Shunya's published document (D61).
import type { Json } from './contracts.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const BOUNDS = ['format', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern'] as const;

function resolve(doc: Json, s: Json): Json {
  let out = s;
  for (let i = 0; out && typeof out.$ref === 'string' && out.$ref.startsWith('#/') && i < 20; i++)
    out = out.$ref
      .slice(2)
      .split('/')
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o: Json, k: string) => o?.[k], doc);
  return out;
}

interface Norm {
  untyped: boolean;
  types: string[];
  nullable: boolean;
  schema: Json;
  /** Alternatives that are not merely "or null" (compared as a whole). */
  union: Json[] | null;
}

/** A schema as (types, nullable): `anyOf`/`oneOf` with `{type: 'null'}` and `type: [t, 'null']` alike. */
function normalize(doc: Json, raw: Json): Norm {
  const s = resolve(doc, raw) ?? {};
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts)) {
    const parts = alts.map((a: Json) => resolve(doc, a));
    const nonNull = parts.filter((p: Json) => p?.type !== 'null');
    const nullable = nonNull.length < parts.length;
    if (nonNull.length === 1) {
      const inner = normalize(doc, nonNull[0]);
      return { ...inner, nullable: nullable || inner.nullable };
    }
    return { untyped: false, types: ['union'], nullable, schema: s, union: nonNull };
  }
  const keys = Object.keys(s).filter((k) => !['title', 'description', 'examples', 'example'].includes(k));
  if (keys.length === 0 || (keys.every((k) => k.startsWith('x-')) && !s.type))
    return { untyped: true, types: [], nullable: false, schema: s, union: null };
  const types = ([] as string[]).concat(
    s.type ?? (s.properties ? 'object' : s.const !== undefined ? typeof s.const : []),
  );
  return {
    untyped: false,
    types: types.filter((t) => t !== 'null').sort(),
    nullable: types.includes('null'),
    schema: s,
    union: null,
  };
}

const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));

export function compareSchemas(
  ours: { doc: Json; schema: Json },
  theirs: { doc: Json; schema: Json },
  where: string,
  out: string[],
  depth = 0,
): void {
  const a = normalize(ours.doc, ours.schema);
  const b = normalize(theirs.doc, theirs.schema);
  if (b.untyped && !a.untyped)
    return void out.push(`${where}: untyped in Shunya's document, typed in the contract`);
  if (a.untyped && !b.untyped)
    return void out.push(`${where}: typed in Shunya's document, untyped in the contract`);
  if (a.untyped) return;
  if (a.types.join('|') !== b.types.join('|'))
    return void out.push(
      `${where}: type ${a.types.join('|')} in the contract, ${b.types.join('|')} in Shunya's`,
    );
  if (a.nullable !== b.nullable)
    out.push(
      `${where}: ${a.nullable ? 'nullable' : 'not nullable'} in the contract, ${b.nullable ? 'nullable' : 'not nullable'} in Shunya's`,
    );
  if (a.union || b.union) return; // unions of several shapes are compared by their members' names elsewhere
  const sa = a.schema;
  const sb = b.schema;
  const enumOf = (s: Json) => (Array.isArray(s.enum) ? [...s.enum].sort() : undefined);
  if (show(enumOf(sa)) !== show(enumOf(sb)))
    out.push(`${where}: enum ${show(enumOf(sa))} in the contract, ${show(enumOf(sb))} in Shunya's`);
  if (show(sa.const) !== show(sb.const))
    out.push(`${where}: const ${show(sa.const)} in the contract, ${show(sb.const)} in Shunya's`);
  if (show(sa.default) !== show(sb.default))
    out.push(`${where}: default ${show(sa.default)} in the contract, ${show(sb.default)} in Shunya's`);
  for (const k of BOUNDS)
    if (show(sa[k]) !== show(sb[k]))
      out.push(`${where}: ${k} ${show(sa[k])} in the contract, ${show(sb[k])} in Shunya's`);
  if (a.types.includes('object')) {
    if ((sa.additionalProperties === false) !== (sb.additionalProperties === false))
      out.push(
        `${where}: ${sa.additionalProperties === false ? 'closed' : 'open'} in the contract, ${sb.additionalProperties === false ? 'closed' : 'open'} in Shunya's`,
      );
    const pa = sa.properties ?? {};
    const pb = sb.properties ?? {};
    const ra = new Set<string>(sa.required ?? []);
    const rb = new Set<string>(sb.required ?? []);
    for (const k of Object.keys(pa)) if (!(k in pb)) out.push(`${where}.${k}: only in the contract`);
    for (const k of Object.keys(pb)) if (!(k in pa)) out.push(`${where}.${k}: only in Shunya's document`);
    for (const k of Object.keys(pa)) {
      if (!(k in pb)) continue;
      if (ra.has(k) !== rb.has(k))
        out.push(
          `${where}.${k}: ${ra.has(k) ? 'required' : 'optional'} in the contract, ${rb.has(k) ? 'required' : 'optional'} in Shunya's`,
        );
      if (depth < 8)
        compareSchemas(
          { doc: ours.doc, schema: pa[k] },
          { doc: theirs.doc, schema: pb[k] },
          `${where}.${k}`,
          out,
          depth + 1,
        );
    }
  }
  if (a.types.includes('array') && sa.items && sb.items && depth < 8)
    compareSchemas(
      { doc: ours.doc, schema: sa.items },
      { doc: theirs.doc, schema: sb.items },
      `${where}[]`,
      out,
      depth + 1,
    );
}

const mediaSchema = (doc: Json, holder: Json): Json | undefined =>
  resolve(doc, holder)?.content?.['application/json']?.schema;

/** Every difference between `ours` and `theirs` for the operations of `ours`. */
export function compareOperations(ours: Json, theirs: Json): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries<Json>(ours.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const key = `${m.toUpperCase()} ${path}`;
      const their = theirs.paths?.[path]?.[m];
      if (!their) {
        out.push(`${key}: not in Shunya's document`);
        continue;
      }
      const params = (doc: Json, o: Json) =>
        new Map<string, Json>(
          (o.parameters ?? []).map((p: Json) => {
            const r = resolve(doc, p);
            return [`${r.in} ${r.in === 'header' ? r.name.toLowerCase() : r.name}`, r];
          }),
        );
      const pa = params(ours, op);
      const pb = params(theirs, their);
      for (const k of pa.keys()) if (!pb.has(k)) out.push(`${key} parameter ${k}: only in the contract`);
      for (const k of pb.keys()) if (!pa.has(k)) out.push(`${key} parameter ${k}: only in Shunya's document`);
      for (const [k, p] of pa) {
        const q = pb.get(k);
        if (!q) continue;
        if (Boolean(p.required) !== Boolean(q.required)) out.push(`${key} parameter ${k}: required differs`);
        compareSchemas(
          { doc: ours, schema: p.schema },
          { doc: theirs, schema: q.schema },
          `${key} parameter ${k}`,
          out,
        );
      }
      const ba = op.requestBody ? mediaSchema(ours, op.requestBody) : undefined;
      const bb = their.requestBody ? mediaSchema(theirs, their.requestBody) : undefined;
      if (ba && bb)
        compareSchemas({ doc: ours, schema: ba }, { doc: theirs, schema: bb }, `${key} request`, out);
      else if (ba || bb)
        out.push(`${key} request body: only in ${ba ? 'the contract' : "Shunya's document"}`);

      const sa = Object.keys(op.responses ?? {});
      const sb = Object.keys(their.responses ?? {});
      for (const s of sa) if (!sb.includes(s)) out.push(`${key} response ${s}: only in the contract`);
      for (const s of sb) if (!sa.includes(s)) out.push(`${key} response ${s}: only in Shunya's document`);
      const success = (codes: string[]) => codes.filter((s) => s.startsWith('2')).sort()[0];
      const [oa, ob] = [success(sa), success(sb)];
      if (oa && ob) {
        const ra = mediaSchema(ours, op.responses[oa]);
        const rb = mediaSchema(theirs, their.responses[ob]);
        compareSchemas(
          { doc: ours, schema: ra ?? {} },
          { doc: theirs, schema: rb ?? {} },
          `${key} success`,
          out,
        );
      }
      const secA = JSON.stringify(op.security ?? ours.security ?? []);
      const secB = JSON.stringify(their.security ?? theirs.security ?? []);
      if ((secA === '[]') !== (secB === '[]'))
        out.push(`${key} security: ${secA} in the contract, ${secB} in Shunya's`);
    }
  }
  for (const [path, item] of Object.entries<Json>(theirs.paths ?? {}))
    for (const m of METHODS)
      if (item[m] && !ours.paths?.[path]?.[m]) out.push(`${m.toUpperCase()} ${path}: not in the contract`);
  for (const name of Object.keys(ours.webhooks ?? {}))
    if (!theirs.webhooks?.[name]) out.push(`webhook ${name}: not in Shunya's document`);
  return out;
}

/** Whether `key` matches a pattern whose `*` stands for any run of characters and `?` for one. */
export function matches(pattern: string, key: string): boolean {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`).test(key);
}
