// Every example in both OpenAPI documents validates against its schema: request and response bodies
// (inline or $ref'd from components/examples), parameters and headers.
import { describe, expect, it } from 'vitest';
import { contractValidator, esc, type Json, loadContract, OPENAPI_DOCS } from '../helpers/contracts.ts';

interface Case {
  name: string;
  file: string;
  schemaPointer: string;
  value: unknown;
}

function resolveLocal(doc: Json, ref: string): Json {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((o: Json, k) => o?.[k], doc);
}

function collect(file: string): Case[] {
  const doc = loadContract(file);
  const cases: Case[] = [];
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

const validator = contractValidator();

describe.each(OPENAPI_DOCS)('%s examples', (file) => {
  const cases = collect(file);

  it('has an example for every request and response body', () => {
    const doc = loadContract(file);
    const missing: string[] = [];
    const check = (content: Json, label: string) => {
      for (const [type, media] of Object.entries<Json>(content ?? {}))
        if (media.example === undefined && !media.examples) missing.push(`${label} ${type}`);
    };
    for (const items of [doc.paths, doc.webhooks])
      for (const [route, item] of Object.entries<Json>(items ?? {}))
        for (const [method, op] of Object.entries<Json>(item)) {
          if (op.requestBody?.content) check(op.requestBody.content, `${method} ${route} request`);
          for (const [status, res] of Object.entries<Json>(op.responses ?? {}))
            if (res.content) check(res.content, `${method} ${route} ${status}`);
        }
    for (const [k, res] of Object.entries<Json>(doc.components?.responses ?? {}))
      check(res.content, `response ${k}`);
    expect(missing).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s is valid', (_name, c) => {
    expect(validator.validate(c.file, c.schemaPointer, c.value)).toEqual([]);
  });
});

describe('the validator', () => {
  it('rejects an invalid example (so the tests above can fail)', () => {
    const errors = validator.validate('shunya.openapi.yaml', '/components/schemas/TranscriptionRequest', {
      call_id: 'not-a-number',
    });
    expect(errors.length).toBeGreaterThan(0);
  });
});
