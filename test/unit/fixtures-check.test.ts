// npm run fixtures:check (D185): with the documents at hand it says what changed and fails; without them
// it says nothing was compared and passes. Run on small documents of the same shape in a temp directory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFixtures, readSources, updateFixtures } from '../../scripts/fixtures/main.ts';
import { ROOT } from '../helpers/spawn.ts';

const HANDOFF = `# Handoff
## 4. Calls
### 4.1 Transcript
\`\`\`json
{ "transcript": "hello" }
\`\`\`
## 12. Open Questions for Shunya
1. **What is the base URL?**
2. **Which version?**
## 13. Shunya Confirmation Checklist
### 13.1 API & Endpoints
- [ ] Base URL confirmed
- [ ] Versioning confirmed
### 13.2 Security
- [ ] JWT confirmed
## Document End
`;
const PAYLOADS = `# Payloads
## Webhook
\`\`\`json
{ "status": "completed" | "failed" }
\`\`\`
`;

let dir: string;
let shared: string;
let fixtures: string;
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(shared, file)), { recursive: true });
  writeFileSync(path.join(shared, file), text);
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'otto-fixtures-'));
  shared = path.join(dir, 'shared');
  fixtures = path.join(dir, 'fixtures');
  write('spec/otto-shunya-handoff.md', HANDOFF);
  write('reference/shunya-webhooks-and-payloads.md', PAYLOADS);
  write('reference/shunya-openapi.json', '{"openapi":"3.0.0"}\n');
  updateFixtures(shared, fixtures, new Date('2026-01-02T00:00:00Z'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fixtures:check', () => {
  it('finds nothing to say when the fixtures match the documents, and records their provenance', () => {
    expect(checkFixtures(shared, fixtures)).toEqual({ atHand: true, changes: [] });
    expect(readSources(fixtures).map((s) => [s.path, s.extracted, s.sha256.length])).toEqual([
      ['spec/otto-shunya-handoff.md', '2026-01-02', 64],
      ['reference/shunya-webhooks-and-payloads.md', '2026-01-02', 64],
      ['reference/shunya-openapi.json', '2026-01-02', 64],
    ]);
  });

  it('says which example, question and checklist item changed', () => {
    write(
      'spec/otto-shunya-handoff.md',
      HANDOFF.replace('"hello"', '"bye"')
        .replace('Which version?', 'Which API version?')
        .replace('- [ ] JWT confirmed', '- [ ] JWT confirmed\n- [ ] HMAC confirmed'),
    );
    const { atHand, changes } = checkFixtures(shared, fixtures);
    expect(atHand).toBe(true);
    const text = changes.join('\n');
    expect(text).toMatch(/spec\/otto-shunya-handoff\.md: sha256 \w+… → \w+…/);
    expect(text).toMatch(/handoff\/json-examples\.json\[0\]: changed[\s\S]*"hello"[\s\S]*"bye"/);
    expect(text).toMatch(/handoff\/open-questions\.json\[1\]: changed/);
    expect(text).toMatch(/handoff\/checklist\.json\[3\]: new in the document: .*13\.2\.2.*HMAC confirmed/);
    expect(text).not.toMatch(/payload-samples|shunya-openapi/);
  });

  it('keeps the extraction date of a document that did not change', () => {
    write('reference/shunya-openapi.json', '{"openapi":"3.1.0"}\n');
    updateFixtures(shared, fixtures, new Date('2026-03-04T00:00:00Z'));
    expect(Object.fromEntries(readSources(fixtures).map((s) => [s.path, s.extracted]))).toEqual({
      'spec/otto-shunya-handoff.md': '2026-01-02',
      'reference/shunya-webhooks-and-payloads.md': '2026-01-02',
      'reference/shunya-openapi.json': '2026-03-04',
    });
  });

  it('as a command: exit 1 and what changed; exit 0 and "not at hand" without the documents', () => {
    // The repository's own fixtures, against documents that differ from them, and against none at all.
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fixtures/main.ts', 'check', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
      });
    const changed = run(['--shared', shared]);
    expect(changed.status).toBe(1);
    expect(changed.stdout).toMatch(/test\/fixtures\/ differs from the documents/);
    expect(changed.stdout).toMatch(/reference\/shunya-openapi\.json: sha256/);
    const absent = run(['--shared', path.join(dir, 'nothing-here')]);
    expect(absent.status).toBe(0);
    expect(absent.stdout).toMatch(/documents not at hand .*, nothing compared/);
  });
});
