// The last stages' statements admit the tenant's next jobs themselves (D332) with a copy of admission's
// CTEs, which a reader sees whole in each statement. The copies must not drift from admit.ts: the quota,
// the choice of due retries and fresh jobs and the start of the chosen ones are admit.ts's word for word.
import { describe, expect, it } from 'vitest';
import { ADMIT } from '../../src/jobs/transitions/admit.ts';
import { CALL_ANALYSIS } from '../../src/jobs/transitions/stages/call-analysis.ts';
import { VISIT_ANALYSIS } from '../../src/jobs/transitions/stages/visit-analysis.ts';

const words = (sql: string) => sql.replace(/\s+/g, ' ').trim();
/** The text from `from` up to (not including) `to`, whitespace folded. */
function between(sql: string, from: string, to: string): string {
  const start = sql.indexOf(from);
  const end = sql.indexOf(to, start);
  if (start < 0 || end < 0) throw new Error(`no ${from} … ${to}`);
  return words(sql.slice(start, end));
}

describe("the admission inside the last stages' statements (D332)", () => {
  it.each([
    ['call analysis', CALL_ANALYSIS],
    ['visit analysis', VISIT_ANALYSIS],
  ])("%s: is admit.ts's, from the quota to the started jobs", (_name, sql) => {
    expect(between(sql, 'seen AS (', '), counted AS (')).toBe(between(ADMIT, 'seen AS (', '), counted AS ('));
  });

  it('is the same in both statements, from the lock of the admission row to the end', () => {
    expect(words(CALL_ANALYSIS.slice(CALL_ANALYSIS.indexOf(', cap AS (')))).toBe(
      words(VISIT_ANALYSIS.slice(VISIT_ANALYSIS.indexOf(', cap AS ('))),
    );
  });
});
