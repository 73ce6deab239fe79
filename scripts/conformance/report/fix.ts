// What a report opens with (D176): one line per failing item with its first evidence ("What to fix"),
// one per machine item the run could not check, and the exit code those make. Markdown, HTML, the
// console and the exit code all read them from here, so they cannot disagree.
import { EXIT } from '../args.ts';
import type { Check, Evidence } from '../ledger.ts';
import type { ItemResult, Report } from '../results.ts';

/** The name finalize() gives the check of an item nothing was judged for. */
const NOT_CHECKED = 'not checked';

export interface FixLine {
  id: string;
  title: string;
  /** The first failing check: its name and what it found. */
  check: string;
  detail: string;
  /** The first evidence's note, or the first line of the answer or delivery it quotes. */
  evidence: string | null;
}

const unchecked = (c: Check) => c.name === NOT_CHECKED || /^not checked\b/i.test(c.detail);

/** A check that found a deviation (not one that says the run could not judge). */
const deviation = (c: Check) => c.verdict === 'fail' && !unchecked(c);

const firstLine = (text: string) => text.split('\n').find((l) => l.trim()) ?? '';

/** What is wrong, or else the exchange in one line ("POST /api/v1/… → 401"), or what the contract says. */
function firstEvidence(e: Evidence | undefined): string | null {
  if (!e) return null;
  const line = e.note
    ? firstLine(e.note)
    : e.request && e.response
      ? `${firstLine(e.request)} → ${firstLine(e.response)}`
      : e.request || e.response
        ? firstLine((e.request || e.response)!)
        : e.contract
          ? `the contract says: ${e.contract}`
          : null;
  return line && line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

/** Failing items, in report order, each with its first deviation. None when the target never
 * answered: then every "deviation" is only the silence. */
export function whatToFix(r: Report): FixLine[] {
  if (r.unreachable) return [];
  return r.items.flatMap((i) => {
    const c = i.checks.find(deviation);
    if (!c) return [];
    return [
      { id: i.id, title: i.title, check: c.name, detail: c.detail, evidence: firstEvidence(c.evidence[0]) },
    ];
  });
}

/** Machine items that neither passed nor failed with a deviation: the run could not check them. */
export function notChecked(r: Report): { id: string; title: string; why: string }[] {
  if (r.unreachable)
    return r.items
      .filter((i) => i.kind === 'machine' && i.verdict !== 'pass')
      .map((i) => ({ id: i.id, title: i.title, why: 'the target never answered' }));
  return r.items
    .filter(
      (i: ItemResult) => i.kind === 'machine' && i.verdict !== 'pass' && i.verdict !== 'needs-confirmation',
    )
    .filter((i) => !i.checks.some(deviation))
    .map((i) => ({
      id: i.id,
      title: i.title,
      why: i.checks.find((c) => c.verdict !== 'pass')?.detail ?? '',
    }));
}

/** 0 every machine item passed; 1 deviations; 3 nothing wrong found but the run was not complete. */
export function exitCodeOf(r: Report): number {
  if (r.unreachable) return EXIT.couldNotRun;
  if (whatToFix(r).length) return EXIT.deviations;
  return notChecked(r).length || r.stopped ? EXIT.couldNotRun : EXIT.pass;
}

/** One line of the list, as Markdown and the console print it. */
export const fixText = (f: FixLine) =>
  `${f.id} ${f.title}: ${f.check}: ${f.detail}${f.evidence ? ` (${f.evidence})` : ''}`;
