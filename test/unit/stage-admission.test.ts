// The last stages' statements admit the tenant's next jobs themselves (D332) with admission's own choice
// (admit.ts's ADMISSION_CHOICE, D402): the quota, the choice of due retries and fresh jobs and the start of
// the chosen ones are one text. What each statement adds around it (the lock of the admission row with the
// freed slot, the count of what was started) must be the same in both.
import { describe, expect, it } from 'vitest';
import { FORECAST, quotaLeftSql } from '../../src/jobs/quota.ts';
import { ADMISSION_CHOICE, ADMIT } from '../../src/jobs/transitions/admit.ts';
import { CREATE_CALL_WITH_JOB } from '../../src/jobs/transitions/create.ts';
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

describe("the admission inside the last stages' statements (D332, D402)", () => {
  it.each([
    ['admission', ADMIT],
    ['call analysis', CALL_ANALYSIS],
    ['visit analysis', VISIT_ANALYSIS],
  ])('%s: chooses with ADMISSION_CHOICE, after the lock of the admission row', (_name, sql) => {
    expect(between(sql, 'seen AS (', '), counted AS (')).toBe(words(ADMISSION_CHOICE));
    expect(sql.indexOf('cap AS (')).toBeLessThan(sql.indexOf('seen AS ('));
  });

  it('is the same in both statements, from the lock of the admission row to the end', () => {
    expect(words(CALL_ANALYSIS.slice(CALL_ANALYSIS.indexOf(', cap AS (')))).toBe(
      words(VISIT_ANALYSIS.slice(VISIT_ANALYSIS.indexOf(', cap AS ('))),
    );
  });
});

describe("the quota's arithmetic, one text (issue 19, D410)", () => {
  it('is what admission, the trigger and the forecast each count with', () => {
    const left = (company: string) => words(quotaLeftSql(company, '')).replace(/ - \(\)$/, '');
    expect(words(ADMISSION_CHOICE)).toContain(left(':company'));
    expect(words(CREATE_CALL_WITH_JOB)).toContain(left(':company::uuid'));
    expect(words(FORECAST)).toContain(left('r.company_id'));
  });
});
