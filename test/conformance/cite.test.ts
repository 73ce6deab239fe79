// Every report line cites its rule where it is written (issue 17, item 6; D178): each §13 item's
// citation points at a place that exists in contracts/shunya.openapi.yaml and at a section of
// docs/implementing-shunya.md; the exit codes are the same in --help, the guide and README.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { USAGE } from '../../scripts/conformance/args.ts';
import { ITEMS } from '../../scripts/conformance/items.ts';
import { citationOf } from '../../scripts/conformance/report/cite.ts';
import { ROOT } from '../helpers/spawn.ts';

const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const contract = YAML.parse(read('contracts/shunya.openapi.yaml'));
const guide = read('docs/implementing-shunya.md');
/** GitHub's anchor of a heading. */
const slug = (h: string) =>
  h
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
const anchors = new Set([...guide.matchAll(/^#{2,3} (.+)$/gm)].map((m) => slug(m[1]!)));

function resolve(pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], contract);
}

describe('citations', () => {
  it.each(ITEMS.map((i) => i.id))('%s cites a place in the contract and a section of the guide', (id) => {
    const m =
      /^contracts\/shunya\.openapi\.yaml#(\/[^ ;]*)(?: \([A-Z]+ \/[^)]*\))?; docs\/implementing-shunya\.md#([a-z-]+)$/.exec(
        citationOf(id),
      );
    expect(m, citationOf(id)).not.toBeNull();
    expect(resolve(m![1]!), m![1]).toBeDefined();
    expect(anchors, m![2]).toContain(m![2]);
  });

  it('print a path as the contract writes it', () => {
    expect(citationOf('13.3.3')).toContain(
      '#/paths/~1api~1v1~1transcription~1transcribe/post (POST /api/v1/transcription/transcribe)',
    );
  });
});

describe('the exit codes', () => {
  it('are the same in --help, the guide and README', () => {
    const readme = read('README.md');
    for (const code of ['0', '1', '2', '3']) {
      expect(USAGE).toMatch(new RegExp(`\\n {2}${code} {2}\\S`));
      expect(guide).toMatch(new RegExp(`\\n {2}\\| ${code} \\| \\S`));
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` \\| \\S`));
    }
  });
});
