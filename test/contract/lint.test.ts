// Redocly's recommended ruleset over every OpenAPI document: zero errors and zero warnings (deliberate
// exceptions are listed with their reasons in .redocly.lint-ignore.yaml).
import { describe, expect, it } from 'vitest';
import { bin, run } from '../helpers/spawn.ts';

describe.each(['shunya', 'shunya-tolerant', 'otto', 'sim-admin'])('redocly lint %s', (api) => {
  it('reports no problems', async () => {
    const { stdout, stderr } = await run(bin('redocly'), ['lint', api, '--format=json']);
    const report = JSON.parse(stdout.slice(stdout.indexOf('{')));
    expect(report.problems, stderr).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(report.totals.warnings).toBe(0);
  });
});
