// The list-shaped parts of a complete analysis: objections (§6.3), coaching tips (§6.5), pending
// actions and missed opportunities (decision D9: the handoff's top level and Shunya's nesting).
import type { CoachingTip, MissedOpportunity, Objection, PendingAction } from '../types.ts';
import {
  asRecord,
  bool,
  firstPresent,
  get,
  int,
  isoDate,
  nonNegative,
  strList,
  text,
  token,
} from './coerce.ts';
import type { Notes } from './notes.ts';
import { severity } from './outcome.ts';
import { unitScore } from './scores.ts';

/** Reads each item of a list with `read`; unreadable items are dropped and noted. */
export function readItems<T>(raw: unknown[], path: string, n: Notes, read: (item: unknown) => T | null): T[] {
  const out: T[] = [];
  raw.forEach((item, i) => {
    const v = read(item);
    if (v === null) n.invalid(`${path}[${i}]`);
    else out.push(v);
  });
  return out;
}

const byNumberNullsLast = (a: number | null, b: number | null) =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : a - b;

/** Category names that differ between sources, mapped to Shunya's ten (D8: the handoff says `Pricing`). */
const CATEGORY_ALIASES: Record<string, string> = { pricing: 'Price/Budget' };

function categoryText(v: string | null): string | null {
  return v === null ? null : (CATEGORY_ALIASES[v.toLowerCase()] ?? v);
}

export function objection(item: unknown): Objection | null {
  const r = asRecord(item);
  const objection_text = text(firstPresent(r, ['objection_text', 'objection', 'text'])?.value);
  if (!r || objection_text === null) return null;
  const category = get(r, 'category');
  return {
    objection_text,
    category_id: int(get(r, 'category_id')),
    category_text: categoryText(
      text(get(r, 'category_text')) ?? (typeof category === 'string' ? text(category) : null),
    ),
    severity: severity(get(r, 'severity')),
    overcome: bool(get(r, 'overcome')),
    timestamp: nonNegative(get(r, 'timestamp')),
    speaker_id: text(get(r, 'speaker_id')),
    response_suggestions: strList(get(r, 'response_suggestions')) ?? [],
    confidence_score: unitScore(firstPresent(r, ['confidence_score', 'confidence'])?.value),
  };
}

/** §6.7: by timestamp ascending (unknown timestamps last); equal timestamps keep Shunya's order. */
export function sortObjections(list: Objection[]): Objection[] {
  return list.sort((a, b) => byNumberNullsLast(a.timestamp, b.timestamp));
}

/** §6.5: a coaching tip is a string or {tip, priority, category, timestamp}. */
export function coachingTip(item: unknown): CoachingTip | null {
  const r = asRecord(item);
  const tip = r ? text(firstPresent(r, ['tip', 'text', 'recommendation', 'description'])?.value) : text(item);
  if (tip === null) return null;
  return {
    tip,
    priority: severity(firstPresent(r, ['priority', 'severity'])?.value),
    category: text(get(r, 'category')),
    timestamp: nonNegative(get(r, 'timestamp')),
  };
}

/** Shunya's ActionType enum (30 values). */
export const ACTION_TYPES: ReadonlySet<string> = new Set([
  'call_back',
  'follow_up_call',
  'check_in',
  'send_quote',
  'send_estimate',
  'send_contract',
  'send_info',
  'send_photos',
  'send_details',
  'schedule_appointment',
  'schedule_visit',
  'reschedule',
  'confirm_appointment',
  'site_visit',
  'inspection',
  'measurement',
  'verify_insurance',
  'verify_details',
  'check_availability',
  'confirm_address',
  'prepare_contract',
  'collect_documents',
  'send_invoice',
  'escalate',
  'manager_review',
  'get_approval',
  'setup_financing',
  'process_payment',
  'send_payment_link',
  'custom',
]);
const CONTACT_METHODS: ReadonlySet<string> = new Set(['phone', 'email', 'sms', 'in_person', 'any']);

const humanise = (t: string) => {
  const s = t.replace(/_/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/** action ← the handoff's `action` ?? Shunya's `raw_text` ?? the humanised `type`. */
export function pendingAction(item: unknown): PendingAction | null {
  const r = asRecord(item);
  if (!r) return null;
  const type = token(get(r, 'type') ?? get(r, 'action_type'));
  const raw_text = text(get(r, 'raw_text'));
  const action = text(get(r, 'action')) ?? raw_text ?? (type ? humanise(type) : null);
  if (action === null) return null;
  const contact = token(get(r, 'contact_method'));
  return {
    action,
    action_type: type !== null && ACTION_TYPES.has(type) ? type : null,
    due_at: isoDate(get(r, 'due_at')),
    priority: severity(get(r, 'priority')),
    contact_method: contact !== null && CONTACT_METHODS.has(contact) ? contact : null,
    confidence: unitScore(firstPresent(r, ['confidence', 'confidence_score'])?.value),
    raw_text,
  };
}

const PRIORITY_RANK = { high: 0, medium: 1, low: 2 } as const;
const dueMs = (a: PendingAction) => (a.due_at === null ? null : Date.parse(a.due_at));

/**
 * Merges the two sources and removes duplicates: the same action text (case-insensitive) due at the same
 * instant, or the same action type due at the same instant. The first occurrence is kept and its empty
 * fields are filled from the duplicate. Then §6.7: due_at ascending (nulls last), then priority high → low.
 */
export function mergePendingActions(lists: PendingAction[][]): PendingAction[] {
  const out: PendingAction[] = [];
  for (const a of lists.flat()) {
    const dup = out.find(
      (b) =>
        dueMs(a) === dueMs(b) &&
        (a.action.toLowerCase() === b.action.toLowerCase() ||
          (a.action_type !== null && a.action_type === b.action_type)),
    );
    if (!dup) {
      out.push({ ...a });
      continue;
    }
    for (const k of Object.keys(dup) as (keyof PendingAction)[]) {
      if (dup[k] === null && a[k] !== null) (dup as unknown as Record<string, unknown>)[k] = a[k];
    }
  }
  return out.sort(
    (a, b) =>
      byNumberNullsLast(dueMs(a), dueMs(b)) ||
      (a.priority === null ? 3 : PRIORITY_RANK[a.priority]) -
        (b.priority === null ? 3 : PRIORITY_RANK[b.priority]),
  );
}

/** The handoff's {opportunity, severity, timestamp} or Shunya's {type, description, impact, suggestion}. */
export function missedOpportunity(item: unknown): MissedOpportunity | null {
  const r = asRecord(item);
  const description = text(firstPresent(r, ['opportunity', 'description'])?.value);
  if (!r || description === null) return null;
  return {
    description,
    type: token(get(r, 'type')),
    severity: severity(get(r, 'severity')) ?? severity(get(r, 'impact')),
    timestamp: nonNegative(get(r, 'timestamp')),
    suggestion: text(get(r, 'suggestion')),
  };
}
