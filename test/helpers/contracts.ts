// The contracts as data, and one JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) that knows
// every document, so cross-document $refs such as './shunya.openapi.yaml#/...' resolve.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';

export const CONTRACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../contracts');
export const OPENAPI_DOCS = [
  'shunya.openapi.yaml',
  'shunya.tolerant.openapi.yaml',
  'otto.openapi.yaml',
  'simulator-admin.openapi.yaml',
] as const;
const BASE = 'https://contracts.otto.test/';

// biome-ignore lint/suspicious/noExplicitAny: contracts are arbitrary YAML documents
export type Json = any;

export function loadContract(file: string): Json {
  return YAML.parse(readFileSync(path.join(CONTRACTS_DIR, file), 'utf8'));
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export function contractValidator(files: readonly string[] = OPENAPI_DOCS) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  for (const f of files) ajv.addSchema(loadContract(f), BASE + f);
  return {
    /** Validates `value` against the schema at JSON pointer `pointer` of `file`. */
    validate(file: string, pointer: string, value: unknown): string[] {
      const validate = ajv.compile({ $ref: `${BASE}${file}#${pointer}` });
      return validate(value)
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    },
  };
}

/** RFC 6901 pointer segment. */
export const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export interface ExampleCase {
  name: string;
  file: string;
  schemaPointer: string;
  value: unknown;
}

export function resolveLocal(doc: Json, ref: string): Json {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((o: Json, k) => o?.[k], doc);
}

/** Every example of a document, with the pointer of the schema it must satisfy. */
export function collectExamples(file: string): ExampleCase[] {
  const doc = loadContract(file);
  const cases: ExampleCase[] = [];
  const deref = (o: Json) =>
    o && typeof o.$ref === 'string' && o.$ref.startsWith('#/') ? resolveLocal(doc, o.$ref) : o;

  const fromMedia = (media: Json, pointer: string, name: string) => {
    if (!media?.schema) return;
    const schemaPointer = `${pointer}/schema`;
    if (media.example !== undefined)
      cases.push({ name: `${name} example`, file, schemaPointer, value: media.example });
    for (const [k, ex] of Object.entries<Json>(media.examples ?? {})) {
      const value = deref(ex).value;
      cases.push({ name: `${name} examples.${k}`, file, schemaPointer, value });
    }
  };
  const fromContent = (content: Json, pointer: string, name: string) => {
    for (const [type, media] of Object.entries<Json>(content ?? {}))
      fromMedia(media, `${pointer}/content/${esc(type)}`, `${name} ${type}`);
  };
  const fromParamOrHeader = (p: Json, pointer: string, name: string) => {
    if (p?.schema && p.example !== undefined)
      cases.push({ name: `${name} example`, file, schemaPointer: `${pointer}/schema`, value: p.example });
  };

  for (const [section, items] of [
    ['paths', doc.paths],
    ['webhooks', doc.webhooks],
  ] as const) {
    for (const [route, item] of Object.entries<Json>(items ?? {})) {
      for (const [method, op] of Object.entries<Json>(item)) {
        const base = `/${section}/${esc(route)}/${method}`;
        const label = `${method.toUpperCase()} ${route}`;
        if (op.requestBody && !op.requestBody.$ref)
          fromContent(op.requestBody.content, `${base}/requestBody`, `${label} request`);
        (op.parameters ?? []).forEach((p: Json, i: number) => {
          if (!p.$ref) fromParamOrHeader(p, `${base}/parameters/${i}`, `${label} parameter ${p.name}`);
        });
        for (const [status, res] of Object.entries<Json>(op.responses ?? {})) {
          if (!res.$ref) fromContent(res.content, `${base}/responses/${status}`, `${label} ${status}`);
        }
      }
    }
  }
  for (const [k, res] of Object.entries<Json>(doc.components?.responses ?? {}))
    fromContent(res.content, `/components/responses/${k}`, `response ${k}`);
  for (const [k, p] of Object.entries<Json>(doc.components?.parameters ?? {}))
    fromParamOrHeader(p, `/components/parameters/${k}`, `parameter ${k}`);
  for (const [k, h] of Object.entries<Json>(doc.components?.headers ?? {}))
    fromParamOrHeader(h, `/components/headers/${k}`, `header ${k}`);
  return cases;
}
