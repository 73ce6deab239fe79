// The pages that restate the Shunya contract for people stay true to it: the error catalogue page lists
// exactly the contract's catalogue, the open-questions page answers each of §12's 21 questions once, and
// the §13 coverage page has one row per checklist item of the handoff, with the counts it states.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Json, loadContract } from '../helpers/contracts.ts';
import { ROOT } from '../helpers/spawn.ts';

const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
// The handoff's §12 questions and §13 checklist, as extracted into test/fixtures/handoff/ (D185).
const fixture = <T>(name: string): T => JSON.parse(read(`test/fixtures/handoff/${name}`));

describe('docs/shunya-error-catalogue.md', () => {
  it('lists exactly the contract’s codes, with their status, type and retryable', () => {
    const rows = [
      ...read('docs/shunya-error-catalogue.md').matchAll(
        /^\| `([A-Z_]+)` \| (\d+) \| `(\w+)` \| (yes|no) \|/gm,
      ),
    ].map((m) => [m[1], Number(m[2]), m[3], m[4] === 'yes']);
    const codes = loadContract('shunya.openapi.yaml')['x-error-catalogue'].codes.map((c: Json) => [
      c.error_code,
      c.http_status,
      c.error_type,
      c.retryable,
    ]);
    expect(rows).toEqual(codes);
  });
});

describe('docs/shunya-open-questions.md', () => {
  const page = read('docs/shunya-open-questions.md');
  const questions = fixture<{ number: number }[]>('open-questions.json').map((q) => q.number);

  it('answers each of §12’s questions once, in its table and in its text', () => {
    expect(questions).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    const tableRows = [...page.matchAll(/^\| (\d+) \| .+ \| (Proposed|Open)[^|]* \|/gm)].map((m) =>
      Number(m[1]),
    );
    const answers = [...page.matchAll(/^\*\*(\d+)\. /gm)].map((m) => Number(m[1]));
    expect(tableRows).toEqual(questions);
    expect(answers).toEqual(questions);
  });

  it('is linked from the contract', () => {
    expect(loadContract('shunya.openapi.yaml').info.description).toContain('docs/shunya-open-questions.md');
  });
});

describe('docs/shunya-checklist-coverage.md', () => {
  const page = read('docs/shunya-checklist-coverage.md');
  const rows = [
    ...page.matchAll(/^\| (13\.\d+\.\d+) .+? \| (precise|vague|missing) \| (precise|vague|missing) \|/gm),
  ];

  it('has one row per §13 checklist item, numbered by section', () => {
    const expected = fixture<{ id: string }[]>('checklist.json').map((i) => i.id);
    expect(expected).toHaveLength(58);
    expect(rows.map((r) => r[1])).toEqual(expected);
  });

  it('states the counts its rows give', () => {
    const count = (col: 2 | 3, v: string) => rows.filter((r) => r[col] === v).length;
    const before = `Before: ${count(2, 'precise')} precise, ${count(2, 'vague')} vague, ${count(2, 'missing')} missing.`;
    const after = `After: ${count(3, 'precise')} precise, ${count(3, 'vague')} vague, ${count(3, 'missing')} missing.`;
    expect(page.replace(/\s+/g, ' ')).toContain(before);
    expect(page.replace(/\s+/g, ' ')).toContain(after);
  });
});
