// Array ordering (§6.7, §13.4.5, §13.10.4): every array named by a rule, wherever it occurs in a body,
// must be sorted by the rule's keys (most significant first; numbers, date-times compared as instants,
// ranked enum values by their rank), nulls where each key puts them; a contiguous array (speaker labels:
// "no gaps") has each item start where the previous one ended, within the rule's tolerance.
import type { OrderingRule, SortKey } from './contract/model.ts';

export interface OrderingFinding {
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function value(k: SortKey, item: unknown): number | null {
  const v = isObj(item) ? item[k.field] : undefined;
  if (k.rank) {
    const i = k.rank.indexOf(String(v));
    return i < 0 ? null : i;
  }
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** Negative when `a` must come before `b`, positive when after, 0 when either order is right. */
function compare(by: SortKey[], a: unknown, b: unknown): number {
  for (const k of by) {
    const x = value(k, a);
    const y = value(k, b);
    if (x === null && y === null) continue;
    if (x === null || y === null) return (x === null) === (k.nulls === 'last') ? 1 : -1;
    if (x !== y) return (k.direction === 'asc' ? x - y : y - x) < 0 ? -1 : 1;
  }
  return 0;
}

const show = (by: SortKey[], item: unknown) =>
  by.map((k) => `${k.field} ${JSON.stringify(isObj(item) ? item[k.field] : undefined)}`).join(', ');

function checkArray(rule: OrderingRule, items: unknown[], path: string): OrderingFinding[] {
  const out: OrderingFinding[] = [];
  for (let i = 1; i < items.length && rule.by.length; i++)
    if (compare(rule.by, items[i - 1], items[i]) > 0)
      out.push({
        path: `${path}/${i}`,
        message: `${show(rule.by, items[i])} comes after ${show(rule.by, items[i - 1])}`,
      });
  const c = rule.contiguous;
  if (c)
    for (let i = 1; i < items.length; i++) {
      const end = value({ field: c.end, direction: 'asc', nulls: 'last' }, items[i - 1]);
      const start = value({ field: c.start, direction: 'asc', nulls: 'last' }, items[i]);
      if (end !== null && start !== null && Math.abs(start - end) > c.toleranceS)
        out.push({
          path: `${path}/${i}`,
          message: `starts at ${start}, the previous item ended at ${end} (a gap)`,
        });
    }
  return out.slice(0, 3);
}

export function orderingFindings(rules: OrderingRule[], body: unknown, path = ''): OrderingFinding[] {
  if (Array.isArray(body)) return body.flatMap((v, i) => orderingFindings(rules, v, `${path}/${i}`));
  if (!isObj(body)) return [];
  const out: OrderingFinding[] = [];
  for (const [k, v] of Object.entries(body)) {
    const rule = rules.find((r) => r.property === k);
    if (rule && Array.isArray(v) && v.every(isObj)) out.push(...checkArray(rule, v, `${path}/${k}`));
    out.push(...orderingFindings(rules, v, `${path}/${k}`));
  }
  return out;
}
