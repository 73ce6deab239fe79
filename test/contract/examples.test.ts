// Every example in both OpenAPI documents validates against its schema: request and response bodies
// (inline or $ref'd from components/examples), parameters and headers.
import { describe, expect, it } from 'vitest';
import {
  collectExamples,
  contractValidator,
  type Json,
  loadContract,
  OPENAPI_DOCS,
} from '../helpers/contracts.ts';

const validator = contractValidator();

describe.each(OPENAPI_DOCS)('%s examples', (file) => {
  const cases = collectExamples(file);

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
