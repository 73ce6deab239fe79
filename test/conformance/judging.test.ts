// The judging pieces of issue 17 on their own: retry delays bounded above (late_tolerance_s), excerpts
// centred on the offending JSON pointer, schema failures that name the pointer, the expected and the
// actual value, the differing fields of a webhook's result, the contract's x-rules, and how an item
// whose checks could not be made (a failed job) counts.
import { describe, expect, it } from 'vitest';
import type { FieldRule, WebhookPolicy } from '../../scripts/conformance/contract/model.ts';
import { excerpt, offsetOf } from '../../scripts/conformance/excerpt.ts';
import { ruleFindings } from '../../scripts/conformance/judges/rules.ts';
import { backoffProblem, differences } from '../../scripts/conformance/judges/webhooks.ts';
import type { Check } from '../../scripts/conformance/ledger.ts';
import { finalize } from '../../scripts/conformance/results.ts';
import { contractPlace, describeError } from '../../scripts/conformance/validate.ts';

describe('retry delays bounded above and below (D164)', () => {
  const policy = {
    firstDelayS: 1,
    factor: 2,
    jitter: 0.2,
    maxDelayS: 3600,
    lateToleranceS: 2,
  } as WebhookPolicy;
  it('fails a Shunya that retries every 5 s where the policy says 1, 2, 4 … s', () => {
    expect(backoffProblem(policy, [5, 5, 5])).toMatch(
      /^retry 1 came 5\.00 s after the refusal, later than 3\.20 s; the policy's delay is 1\.00 s ±20%/,
    );
  });
  it('passes retries as late as the policy allows, and as early', () => {
    expect(backoffProblem(policy, [1.2 + 2, 2.4 + 2, 4.8 + 2])).toBeNull();
    expect(backoffProblem(policy, [0.8, 1.6, 3.2])).toBeNull();
  });
  it('allows the kit its own measurement error, and bounds nothing above without late_tolerance_s', () => {
    expect(backoffProblem(policy, [4], 1)).toBeNull();
    expect(backoffProblem({ ...policy, lateToleranceS: null }, [60, 60])).toBeNull();
  });
});

describe('excerpts of long bodies (D166)', () => {
  const body = JSON.stringify({
    items: Array.from({ length: 60 }, (_, i) => ({ i, text: 'lorem ipsum dolor' })),
    extra_prop: 'here',
  });
  it('finds the value at a JSON pointer as written, inside arrays and past strings with brackets', () => {
    const t = '{"a": "x]}", "b": [{"c": 1}, {"c": 2, "d": [3, 4]}], "e/f": null}';
    expect(t.slice(offsetOf(t, '/b/1/d/1'))).toMatch(/^4\]/);
    expect(t.slice(offsetOf(t, '/e~1f'))).toMatch(/^null/);
    expect(offsetOf(t, '/zz')).toBe(-1);
  });
  it('keeps the offending part of a body longer than the excerpt, and says what was left out', () => {
    const e = excerpt(body, 300, '/extra_prop');
    expect(e).toContain('"extra_prop":"here"');
    expect(e).toMatch(/^…\(\d+ characters before\) /);
    expect(excerpt(body, 300).startsWith('{"items"')).toBe(true);
  });
});

describe('schema failures a Shunya engineer can act on (D166)', () => {
  const err = (keyword: string, instancePath: string, params: Record<string, unknown>, message = '') => ({
    keyword,
    instancePath,
    params,
    message,
    schemaPath: '',
  });
  it('names an additional property and its value, an enum value and the allowed values, a type', () => {
    const body = { a: { debug_info: { worker: 7 } }, severity: 'critical', n: '3' };
    expect(describeError(err('additionalProperties', '/a', { additionalProperty: 'debug_info' }), body)).toBe(
      'field "debug_info" is not in the contract (its value: {"worker":7})',
    );
    expect(describeError(err('enum', '/severity', { allowedValues: ['low', 'medium', 'high'] }), body)).toBe(
      '"critical" is not one of the allowed values "low", "medium", "high"',
    );
    expect(describeError(err('type', '/n', { type: 'integer' }), body)).toBe(
      '"3" is a string; the contract says integer',
    );
  });
  it('prints a contract path as written', () => {
    expect(
      contractPlace(
        '/paths/~1api~1v1~1transcription~1transcript~1{call_id}/get/responses/200/content/application~1json/schema',
      ),
    ).toMatch(/^GET \/api\/v1\/transcription\/transcript\/\{call_id\} → 200 /);
    expect(contractPlace('/components/schemas/Transcript')).toBe('#/components/schemas/Transcript');
  });
  it("names the fields where a webhook's result differs from the result endpoint's", () => {
    expect(
      differences({ a: 1, b: { c: [1, 2] }, success: true }, { a: 1, b: { c: [1, 3] } }, '/result'),
    ).toEqual([{ path: '/result/b/c/1', webhook: '2', endpoint: '3' }]);
  });
});

describe("the contract's x-rules (D163)", () => {
  const rules: FieldRule[] = [
    { id: 'total', kind: 'count', field: 'total_objections', of: 'objections' },
    { id: 'sev', kind: 'count_by', field: 'severity_breakdown', of: 'objections', key: 'severity' },
    {
      id: 'cat',
      kind: 'lookup',
      field: 'category_id',
      from: 'category_text',
      table: { 'Price/Budget': 1, Timing: 2 },
      tableAt: '#/components/schemas/ObjectionCategoryText/x-category-ids',
    },
  ];
  const objection = (category_text: string, category_id: number, severity: string) => ({
    category_text,
    category_id,
    severity,
  });
  it('passes a consistent body and names each broken rule where it is broken', () => {
    const ok = {
      objections: {
        objections: [objection('Timing', 2, 'high')],
        total_objections: 1,
        severity_breakdown: { high: 1, medium: 0, low: 0 },
      },
    };
    expect(ruleFindings(rules, ok)).toEqual([]);
    const bad = {
      objections: {
        objections: [objection('Timing', 1, 'high')],
        total_objections: 2,
        severity_breakdown: { high: 0, medium: 0, low: 0 },
      },
    };
    expect(ruleFindings(rules, bad).map((f) => `${f.rule.id} ${f.path}: ${f.message}`)).toEqual([
      'total /objections/total_objections: 2; objections has 1 item',
      'sev /objections/severity_breakdown: high: 0, but 1 of objections have severity "high"',
      'cat /objections/objections/0/category_id: 1; category_text "Timing" is 2',
    ]);
  });
});

describe('items the run could not check (D165)', () => {
  const check = (verdict: Check['verdict']): Check => ({
    item: '13.10.1',
    name: 'x',
    verdict,
    detail: '',
    evidence: [],
  });
  it('counts an item whose checks could not be made as not checked, never as failed', () => {
    const items = finalize([check('not-checked')], null);
    expect(items.find((i) => i.id === '13.10.1')?.verdict).toBe('not-checked');
    expect(
      finalize([check('not-checked'), check('fail')], null).find((i) => i.id === '13.10.1')?.verdict,
    ).toBe('fail');
  });
});
