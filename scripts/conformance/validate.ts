// Validation of a successful body (a result, a status, an acceptance, a webhook's result) against the
// contract's schema, with each violation routed to the one §13 item it breaks (D68):
// - a required field absent → 13.4.2 (unless an alias of it is present: then it is a name, 13.4.3);
// - a field the schema does not allow (additionalProperties/unevaluatedProperties false) → 13.4.3;
// - a confidence out of [0, 1] or not a number → 13.4.4;
// - anything else (types, enums, formats, constants, bounds) → 13.4.1.
// A field-name variation the handoff lists (§6) is also 13.10.2, whether or not the schema forbids it.
// Every violation also counts against 13.1.3 (the schemas match), which the caller records.
import type { Contract, SchemaError } from './contract/load.ts';
import type { AliasRule, ResultKind } from './contract/model.ts';

export interface Finding {
  item: '13.4.1' | '13.4.2' | '13.4.3' | '13.4.4' | '13.10.2';
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const CONFIDENCE = /confidence/i;

/** The value at a JSON pointer (Ajv's instancePath). */
function at(body: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>(
      (v, k) =>
        isObj(v) || Array.isArray(v) ? (v as Obj)[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined,
      body,
    );
}

const lastSegment = (pointer: string) => pointer.split('/').pop() ?? '';

const shown = (v: unknown) => {
  const t = v === undefined ? '(absent)' : JSON.stringify(v);
  return t.length > 80 ? `${t.slice(0, 80)}… (${t.length} characters)` : t;
};

/** A schema error as a Shunya engineer can act on it: where, what the contract expects, what was sent
 * (D166). */
export function describeError(e: SchemaError, body: unknown): string {
  const value = at(body, e.instancePath);
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return `required field "${String(p.missingProperty)}" is absent`;
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const extra = String(p.additionalProperty ?? p.unevaluatedProperty);
      return `field "${extra}" is not in the contract (its value: ${shown(isObj(value) ? value[extra] : undefined)})`;
    }
    case 'enum':
      return `${shown(value)} is not one of the allowed values ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${shown(value)}; the contract says ${JSON.stringify(p.allowedValue)}`;
    case 'type':
      return `${shown(value)} is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}; the contract says ${Array.isArray(p.type) ? (p.type as string[]).join(' or ') : String(p.type)}`;
    case 'pattern':
      return `${shown(value)} does not match the pattern ${String(p.pattern)}`;
    case 'format':
      return `${shown(value)} is not a valid ${String(p.format)}`;
    default:
      return `${shown(value)}: ${e.message}`;
  }
}

/** A pointer into the contract as a reader finds it: `GET /api/v1/… 200` or `#/components/…`, never
 * `/paths//api/v1/…`. */
export function contractPlace(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts[0] === 'paths' && parts.length >= 3) {
    const [, path, method, ...rest] = parts;
    const status =
      rest[0] === 'responses' ? ` → ${rest[1]}` : rest[0] === 'requestBody' ? ' request body' : '';
    return `${method!.toUpperCase()} ${path}${status} (${pointer.startsWith('/paths') ? `#${pointer}` : pointer})`;
  }
  if (parts[0] === 'webhooks') return `webhook ${parts[1]} (#${pointer})`;
  return `#${pointer}`;
}

/** Drops the noise of a failed `oneOf: [X, null]`: "must be null" and "must match exactly one schema"
 * when a more specific error exists at the same place or below. */
function specific(errors: SchemaError[]): SchemaError[] {
  const combinators = new Set(['oneOf', 'anyOf', 'if', 'not']);
  return errors.filter((e) => {
    const noise = combinators.has(e.keyword) || (e.keyword === 'type' && e.params.type === 'null');
    if (!noise) return true;
    return !errors.some(
      (o) =>
        o !== e &&
        !combinators.has(o.keyword) &&
        !(o.keyword === 'type' && o.params.type === 'null') &&
        (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`)),
    );
  });
}

function route(e: SchemaError, body: unknown, aliases: AliasRule[]): Finding {
  const path = e.instancePath || '/';
  if (e.keyword === 'required') {
    const missing = String(e.params.missingProperty);
    const holder = at(body, e.instancePath);
    const alias = aliases.find((a) => a.canonical === missing && isObj(holder) && a.alias in holder);
    if (alias)
      return {
        item: '13.4.3',
        path: `${e.instancePath}/${alias.alias}`,
        message: `"${alias.alias}" instead of "${missing}"`,
      };
    return { item: '13.4.2', path, message: `required field "${missing}" is absent` };
  }
  if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
    const extra = String(e.params.additionalProperty ?? e.params.unevaluatedProperty);
    return { item: '13.4.3', path: `${e.instancePath}/${extra}`, message: describeError(e, body) };
  }
  if (
    CONFIDENCE.test(lastSegment(e.instancePath)) &&
    ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'type'].includes(e.keyword)
  )
    return { item: '13.4.4', path, message: describeError(e, body) };
  return { item: '13.4.1', path, message: describeError(e, body) };
}

/** Every object under `dotted` ('' the root, `[]` each array item), with its JSON pointer. */
function objectsAt(body: unknown, dotted: string): [string, Obj][] {
  let nodes: [string, unknown][] = [['', body]];
  for (const part of dotted ? dotted.split('.') : []) {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    nodes = nodes.flatMap(([p, n]): [string, unknown][] => {
      const v = isObj(n) ? n[key] : undefined;
      if (!each) return [[`${p}/${key}`, v]];
      return Array.isArray(v) ? v.map((x, i): [string, unknown] => [`${p}/${key}/${i}`, x]) : [];
    });
  }
  return nodes.filter((n): n is [string, Obj] => isObj(n[1]));
}

/** §6's field-name variations present where the canonical name is absent (13.10.2, and 13.4.3). */
export function aliasFindings(kind: ResultKind, body: unknown, aliases: AliasRule[]): Finding[] {
  const out: Finding[] = [];
  for (const a of aliases.filter((r) => r.kind === kind))
    for (const [p, o] of objectsAt(body, a.at))
      if (a.alias in o && !(a.canonical in o))
        out.push({
          item: '13.10.2',
          path: `${p}/${a.alias}`,
          message: `"${a.alias}" instead of "${a.canonical}" (§6 variation)`,
        });
  return out;
}

/** Confidence-named numbers outside [0, 1], wherever they are (a contract that forgets a bound does
 * not excuse a 7.5, §6.6). */
export function confidenceFindings(body: unknown, path = ''): Finding[] {
  if (Array.isArray(body)) return body.flatMap((v, i) => confidenceFindings(v, `${path}/${i}`));
  if (!isObj(body)) return [];
  const out: Finding[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (CONFIDENCE.test(k) && v !== null && (typeof v !== 'number' || v < 0 || v > 1))
      out.push({ item: '13.4.4', path: `${path}/${k}`, message: `${JSON.stringify(v)} is not in [0, 1]` });
    else out.push(...confidenceFindings(v, `${path}/${k}`));
  }
  return out;
}

export interface Validation {
  /** Raw schema errors (for 13.1.3). */
  errors: SchemaError[];
  findings: Finding[];
}

/** Schema errors without the noise of failed alternatives, each described (13.1.3). */
export function schemaProblems(errors: SchemaError[], body: unknown): Finding[] {
  return specific(errors).map((e) => {
    const extra = ['additionalProperties', 'unevaluatedProperties'].includes(e.keyword)
      ? `/${String(e.params.additionalProperty ?? e.params.unevaluatedProperty)}`
      : '';
    return { item: '13.4.1', path: `${e.instancePath}${extra}` || '/', message: describeError(e, body) };
  });
}

export function validateBody(
  contract: Contract,
  pointer: string,
  body: unknown,
  kind: ResultKind | null,
): Validation {
  const errors = contract.validate(pointer, body);
  const findings = specific(errors).map((e) => route(e, body, contract.aliases));
  const seen = new Set(findings.map((f) => `${f.item} ${f.path}`));
  const extra = [...(kind ? aliasFindings(kind, body, contract.aliases) : []), ...confidenceFindings(body)];
  for (const f of extra) {
    const key = `${f.item} ${f.path}`;
    if (!seen.has(key)) findings.push(f);
    seen.add(key);
    // A variation is a name the strict contract does not have (13.4.3) even where a lax schema lets it pass.
    if (f.item === '13.10.2' && !findings.some((x) => x.item === '13.4.3' && x.path === f.path))
      findings.push({ ...f, item: '13.4.3' });
  }
  return { errors, findings };
}
