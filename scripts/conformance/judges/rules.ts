// The contract's `x-rules` (D163): rules between fields of one object that a JSON Schema cannot state
// (`total_objections` is the number of objections, `severity_breakdown` counts them by severity,
// `category_id` is the number `x-category-ids` gives `category_text`). Every rule is checked on every
// object that has its fields, in every result the run read and every result a webhook carried, under
// 13.4.1 (bodies have the documented structure), one check per rule.
import type { FieldRule } from '../contract/model.ts';
import { describeFieldRule } from '../contract/rules.ts';
import { deliveryEvidence, type Evidence, exchangeEvidence } from '../ledger.ts';
import type { Session } from '../session.ts';
import { webhookResults } from './schemas.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface RuleFinding {
  path: string;
  message: string;
}

const fieldsOf = (r: FieldRule) => (r.kind === 'lookup' ? [r.field, r.from] : [r.field, r.of]);

function violation(r: FieldRule, o: Obj): string | null {
  const v = o[r.field];
  if (r.kind === 'count') {
    const items = o[r.of];
    if (!Array.isArray(items)) return null;
    return v === items.length
      ? null
      : `${JSON.stringify(v)}; ${r.of} has ${items.length} item${items.length === 1 ? '' : 's'}`;
  }
  if (r.kind === 'count_by') {
    const items = o[r.of];
    if (!Array.isArray(items) || !isObj(v)) return null;
    const wrong = Object.entries(v).filter(
      ([k, n]) => n !== items.filter((i) => isObj(i) && i[r.key] === k).length,
    );
    return wrong.length
      ? wrong
          .map(
            ([k, n]) =>
              `${k}: ${JSON.stringify(n)}, but ${items.filter((i) => isObj(i) && i[r.key] === k).length} of ${r.of} have ${r.key} "${k}"`,
          )
          .join('; ')
      : null;
  }
  const from = o[r.from];
  if (typeof from !== 'string' || !(from in r.table)) return null; // an unknown value is the schema's
  const expected = r.table[from];
  return v === expected ? null : `${JSON.stringify(v)}; ${r.from} "${from}" is ${JSON.stringify(expected)}`;
}

/** Every violation of `rules` in `body`, wherever an object has a rule's fields. */
export function ruleFindings(
  rules: FieldRule[],
  body: unknown,
  path = '',
): (RuleFinding & { rule: FieldRule })[] {
  if (Array.isArray(body)) return body.flatMap((v, i) => ruleFindings(rules, v, `${path}/${i}`));
  if (!isObj(body)) return [];
  const out: (RuleFinding & { rule: FieldRule })[] = [];
  for (const rule of rules)
    if (fieldsOf(rule).every((f) => f in body)) {
      const m = violation(rule, body);
      if (m) out.push({ rule, path: `${path}/${rule.field}`, message: m });
    }
  for (const [k, v] of Object.entries(body)) out.push(...ruleFindings(rules, v, `${path}/${k}`));
  return out;
}

/** How many objects of `body` a rule applies to. */
function applies(rule: FieldRule, body: unknown): number {
  if (Array.isArray(body)) return body.reduce((n: number, v) => n + applies(rule, v), 0);
  if (!isObj(body)) return 0;
  const own = fieldsOf(rule).every((f) => f in body) ? 1 : 0;
  return Object.values(body).reduce((n: number, v) => n + applies(rule, v), own);
}

export function judgeFieldRules(s: Session): void {
  const bodies: { body: unknown; evidence: (pointer: string) => Evidence; prefix: string }[] = [
    ...s.client.exchanges
      .filter((x) => x.status === 200 && x.spec.method === 'GET' && x.json !== undefined)
      .map((x) => ({
        body: x.json,
        prefix: '',
        evidence: (p: string) => exchangeEvidence(x, undefined, undefined, p),
      })),
    ...webhookResults(s).map(({ d }) => ({
      body: d.json.result,
      prefix: '/result',
      evidence: (p: string) => deliveryEvidence(d, undefined, undefined, p),
    })),
  ];
  for (const rule of s.contract.rules) {
    const name = `results keep the rule ${describeFieldRule(rule)}`;
    const seen = bodies.reduce((n, b) => n + applies(rule, b.body), 0);
    const note = s.failedJobsNote();
    if (seen === 0 && note) {
      s.ledger.notChecked('13.4.1', name, note);
      continue;
    }
    const failures: Evidence[] = [];
    for (const b of bodies)
      for (const f of ruleFindings([rule], b.body, b.prefix))
        failures.push({
          ...b.evidence(f.path),
          contract: `x-rules ${rule.id}: ${describeFieldRule(rule)}`,
          note: `${f.path}: ${f.message}`,
        });
    s.ledger.verdict(
      '13.4.1',
      name,
      seen
        ? `${seen} object${seen === 1 ? '' : 's'}`
        : `no result had ${fieldsOf(rule).join(' and ')} (nothing to check)`,
      failures,
    );
  }
}
