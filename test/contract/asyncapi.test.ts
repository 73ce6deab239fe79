// The AsyncAPI document parses and validates (with its cross-document $refs resolved), describes
// every domain event type Otto's OpenAPI document names, and references its payloads instead of
// copying them.
import path from 'node:path';
import { fromFile, Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { CONTRACTS_DIR, type Json, loadContract } from '../helpers/contracts.ts';

const FILE = path.join(CONTRACTS_DIR, 'events.asyncapi.yaml');

describe('events.asyncapi.yaml', () => {
  it('parses and validates without errors or warnings', async () => {
    const { document, diagnostics } = await fromFile(new Parser(), FILE).parse();
    const problems = diagnostics
      .filter((d) => d.severity <= 1)
      .map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`);
    expect(problems).toEqual([]);
    expect(document).toBeDefined();
  });

  it('has a message for every domain event type, and the webhook profiles', async () => {
    const { document } = await fromFile(new Parser(), FILE).parse();
    const names =
      document
        ?.allMessages()
        .all()
        .map((m) => m.name()) ?? [];
    const eventTypes: string[] = loadContract('otto.openapi.yaml').components.schemas.EventType.enum;
    expect(eventTypes).toHaveLength(9);
    for (const t of eventTypes) expect(names).toContain(t);
    expect(names).toEqual(expect.arrayContaining(['shunyaJobEvent', 'shunyaEventProfile']));
  });

  it('references payload schemas from the OpenAPI documents rather than copying them', () => {
    const doc = loadContract('events.asyncapi.yaml');
    const refs: string[] = [];
    const walk = (o: Json) => {
      if (o && typeof o === 'object') {
        if (typeof o.$ref === 'string') refs.push(o.$ref);
        for (const v of Object.values(o)) walk(v);
      }
    };
    walk(doc.components);
    const external = refs.filter((r) => r.startsWith('./'));
    expect(external.length).toBeGreaterThanOrEqual(11);
    for (const r of external) {
      const [file, pointer] = r.split('#');
      const target = (pointer ?? '')
        .split('/')
        .slice(1)
        .reduce((o: Json, k) => o?.[k], loadContract(file ?? ''));
      expect(target, r).toBeTruthy();
    }
    // no event data schema is defined inline here: every `data` is a $ref
    for (const [name, s] of Object.entries<Json>(doc.components.schemas))
      expect(s.allOf[1].properties.data.$ref, name).toMatch(/^\.\/otto\.openapi\.yaml#/);
  });
});
