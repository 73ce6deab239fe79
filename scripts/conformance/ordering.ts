// Array ordering (§6.7, §13.4.5, §13.10.4): every array named by a rule, wherever it occurs in a body,
// must be sorted by the rule's key (numbers, or date-times compared as instants), nulls where the rule
// puts them; a contiguous array (speaker labels: "no gaps") has each item start where the last ended.
import type { OrderingRule } from './contract/model.ts';

export interface OrderingFinding {
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function key(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** Allowed slack for "no gaps", seconds (diarizers round to tens of milliseconds). */
const GAP_S = 0.05;

function checkArray(rule: OrderingRule, items: unknown[], path: string): OrderingFinding[] {
  const out: OrderingFinding[] = [];
  const keys = items.map((it) => (isObj(it) ? key(it[rule.by]) : null));
  for (let i = 1; i < keys.length; i++) {
    const a = keys[i - 1]!;
    const b = keys[i]!;
    if (a === null || b === null) {
      const nullThenValue = a === null && b !== null;
      if (rule.nulls === 'last' ? nullThenValue : !nullThenValue && a !== null)
        out.push({ path: `${path}/${i}`, message: `null ${rule.by} is not ${rule.nulls}` });
      continue;
    }
    if (rule.direction === 'asc' ? b < a : b > a)
      out.push({
        path: `${path}/${i}`,
        message: `${rule.by} ${String((items[i] as Obj)[rule.by])} comes after ${String((items[i - 1] as Obj)[rule.by])} (${rule.direction})`,
      });
  }
  if (rule.contiguous)
    for (let i = 1; i < items.length; i++) {
      const prev = items[i - 1];
      const cur = items[i];
      const end = isObj(prev) ? key(prev.end_time) : null;
      const start = isObj(cur) ? key(cur[rule.by]) : null;
      if (end !== null && start !== null && Math.abs(start - end) > GAP_S)
        out.push({
          path: `${path}/${i}`,
          message: `starts at ${start}, the previous item ended at ${end} (gap)`,
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
