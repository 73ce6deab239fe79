// From checks to §13 items, and the report model every reporter renders.
import type { Provenance } from './contract/model.ts';
import { ITEMS, type Item } from './items.ts';
import type { Timing } from './judges/slas.ts';
import type { Check, Verdict } from './ledger.ts';

export interface ItemResult extends Item {
  verdict: Verdict;
  checks: Check[];
}

export interface Report {
  target: 'shunya' | 'otto';
  title: string;
  baseUrl: string;
  contract: { file: string; version: string; sha256: string } | null;
  startedAt: string;
  durationS: number;
  mode: string;
  requests: { sent: number; budget: number };
  stopped: string | null;
  /** Set when the target answered none of the kit's requests: the run says nothing about it (exit 3). */
  unreachable?: string;
  notes: string[];
  provenance: Provenance[];
  items: ItemResult[];
  timings: Timing[];
}

/** Machine items pass only when every check passes (and there is one); evidence items need
 * confirmation unless a check failed; manual items always need confirmation. */
export function finalize(checks: Check[], stopped: string | null, items: Item[] = ITEMS): ItemResult[] {
  return items.map((item) => {
    const own = checks.filter((c) => c.item === item.id);
    if (item.kind === 'manual' || item.kind === 'evidence') {
      const failed = own.some((c) => c.verdict === 'fail');
      const confirm: Check = {
        item: item.id,
        name: 'needs confirmation',
        verdict: 'needs-confirmation',
        detail: `Shunya to confirm ${item.confirm ?? item.statement}`,
        evidence: [],
      };
      return {
        ...item,
        verdict: failed ? 'fail' : 'needs-confirmation',
        checks: [...own, ...(failed ? [] : [confirm])],
      };
    }
    if (own.length === 0) {
      const why = stopped ? `the run ended early (${stopped})` : 'nothing to judge';
      const c: Check = { item: item.id, name: 'not checked', verdict: 'fail', detail: why, evidence: [] };
      return { ...item, verdict: 'fail', checks: [c] };
    }
    const verdict: Verdict = own.some((c) => c.verdict === 'fail')
      ? 'fail'
      : own.every((c) => c.verdict === 'pass')
        ? 'pass'
        : own.some((c) => c.verdict === 'not-checked')
          ? 'not-checked'
          : 'needs-confirmation';
    return { ...item, verdict, checks: own };
  });
}

export function counts(items: ItemResult[]): Record<Verdict, number> {
  const c = { pass: 0, fail: 0, 'needs-confirmation': 0, 'not-checked': 0 };
  for (const i of items) c[i.verdict]++;
  return c;
}

/** The §13 items not checked for a reason that is no deviation (D165). */
export const notCheckedItems = (r: Report) =>
  r.items.filter((i) => i.verdict === 'not-checked').map((i) => i.id);

/** The §13 items that failed, e.g. for the mutation tests. */
export const failedItems = (r: Report) => r.items.filter((i) => i.verdict === 'fail').map((i) => i.id);
