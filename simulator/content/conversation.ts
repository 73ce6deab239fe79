// Renders a plan into a conversation: the script (scripts.ts) with question-and-answer filler sized to
// the audio's duration, speakers alternating, timed so that turns start at 0, each starts where the
// previous ended (no gaps) and the last ends with the audio.
import { SMALL_TALK } from './people.ts';
import type { CallPlan } from './plan.ts';
import { clamp01, round, seeded } from './prng.ts';
import { csrScript, cust, type Line, PROPOSAL_QA, rep, salesScript } from './scripts.ts';

export interface Turn extends Line {
  start: number;
  end: number;
  confidence: number;
}

export interface Conversation {
  turns: Turn[];
  /** Index of the rep's turn that opens part 2 (sales visits). */
  transition: number | null;
}

const WAITING: readonly (readonly [string, string])[] = [
  ['Knocking again, still no answer.', "I'll wait a few more minutes."],
];

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/** Question/answer pairs to fill `budget` natural seconds. */
function filler(
  pool: readonly (readonly [string, string])[],
  budget: number,
  wps: number,
  salesQa: boolean,
): Line[] {
  const out: Line[] = [];
  let used = 0;
  for (let i = 0; budget - used > 6 && pool.length > 0; i++) {
    const [q, a] = pool[i % pool.length]!;
    // In a proposal the customer asks and the rep answers; elsewhere the rep asks.
    const pair = salesQa ? [cust(q), rep(a)] : [rep(q, 'discovery'), cust(a)];
    used += pair.reduce((s, l) => s + naturalSeconds(l.text, wps), 0);
    out.push(...pair);
  }
  return out;
}

const BACKCHANNEL = {
  rep: ['Okay.', 'Mm-hmm.', 'Got it.', 'I see.'],
  customer: ['Okay.', 'Mm-hmm.', 'Sure.', 'Right.'],
};

/** Speakers alternate: two lines of one speaker get the other's backchannel between them. */
function alternate(lines: Line[]): Line[] {
  const out: Line[] = [];
  for (const l of lines) {
    const prev = out[out.length - 1];
    if (prev && prev.speaker === l.speaker) {
      const other = l.speaker === 'rep' ? 'customer' : 'rep';
      out.push({ speaker: other, text: BACKCHANNEL[other][out.length % 4]! });
    }
    out.push(l);
  }
  return out;
}

const wordCache = new Map<string, number>();
/** The words of a line (runs of non-space), as `split(/\s+/)` counts them. Lines repeat a lot: cache. */
export function lineWords(text: string): number {
  let n = wordCache.get(text);
  if (n === undefined) {
    n = words(text);
    if (wordCache.size < 5000) wordCache.set(text, n);
  }
  return n;
}

/** Seconds a line takes at `wps` words per second, with a short pause. */
const naturalSeconds = (text: string, wps: number) => lineWords(text) / wps + 0.4;

export function renderConversation(p: CallPlan, durationS: number): Conversation {
  const wps = p.wordsPerSecond;
  const len = (lines: Line[]) => lines.reduce((s, l) => s + naturalSeconds(l.text, wps), 0);
  let lines: Line[];
  if (p.callType === 'sales_call') {
    const { part1, part2 } = salesScript(p);
    const noShow = p.outcome === 'no_show';
    const pool1 = noShow ? WAITING : [...p.vertical.discovery.slice(3), ...SMALL_TALK.slice(1)];
    const a = filler(pool1, durationS * p.part1Share - len([...part1[0], ...part1[1]]), wps, false);
    const b = filler(
      noShow ? [] : PROPOSAL_QA,
      durationS * (1 - p.part1Share) - len([...part2[0], ...part2[1]]),
      wps,
      true,
    );
    // Nobody answers at a no-show: the rep talks alone (to the door, then to voicemail).
    const waiting = a.map((l) => ({ speaker: 'rep' as const, text: l.text }));
    lines = [...part1[0], ...(noShow ? waiting : a), ...part1[1], ...part2[0], ...b, ...part2[1]];
    if (!noShow) lines = alternate(lines);
  } else {
    const { head, tail } = csrScript(p);
    const pool = p.skipped.has('needs') ? SMALL_TALK : [...p.vertical.discovery.slice(3), ...SMALL_TALK];
    lines = alternate([...head, ...filler(pool, durationS - len(head) - len(tail), wps, false), ...tail]);
  }
  const t = lines.findIndex((l) => l.tag === 'transition');
  return { turns: time(lines, durationS, p), transition: t >= 0 ? t : null };
}

/** Proportional timing: start 0, no gaps, the last turn ends at the audio's duration. */
function time(lines: Line[], durationS: number, p: CallPlan): Turn[] {
  const rng = seeded(`${p.seedKey}:timing`);
  const weights = lines.map((l) => naturalSeconds(l.text, p.wordsPerSecond));
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  let prevEnd = 0;
  return lines.map((l, i) => {
    acc += weights[i]!;
    const end = i === lines.length - 1 ? round(durationS) : round((durationS * acc) / total);
    const turn = {
      ...l,
      start: prevEnd,
      end,
      confidence: round(clamp01(p.asrConfidence + (rng() - 0.5) * 0.08)),
    };
    prevEnd = end;
    return turn;
  });
}
