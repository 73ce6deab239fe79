// The list-shaped parts of a complete analysis: objections (§6.3), coaching tips (§6.5), pending
// actions and missed opportunities (decision D9: the handoff's top level and Shunya's nesting).

import { OBJECTION_CATEGORIES } from '../../../generated/shunya/contract.ts';
import { own } from '../../util/own.ts';
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
import type { Flag, Notes } from './notes.ts';
import { severity } from './outcome.ts';
import { unitScore } from './scores.ts';

/** Reads a list item; `flag` records its enumeration values outside Otto's vocabularies (D75). */
export type ItemReader<T> = (item: unknown, flag: Flag) => T | null;

/** Reads each item of a list with `read`; unreadable items are dropped and noted. */
export function readItems<T>(raw: unknown[], path: string, n: Notes, read: ItemReader<T>): T[] {
  const out: T[] = [];
  raw.forEach((item, i) => {
    const v = read(item, n.flagAt(`${path}[${i}]`));
    if (v === null) n.invalid(`${path}[${i}]`);
    else out.push(v);
  });
  return out;
}

const byNumberNullsLast = (a: number | null, b: number | null) =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : a - b;

/** Any spelling case of the ten, plus the handoff's `Pricing` (D8). */
const CATEGORY_BY_LOWER: Record<string, string> = {
  ...Object.fromEntries(OBJECTION_CATEGORIES.map((c) => [c.toLowerCase(), c])),
  pricing: 'Price/Budget',
};

/**
 * The category's canonical name; a name outside the ten is kept as received and flagged (D75); without a
 * name, Shunya's category_id names it.
 */
function category(r: Record<string, unknown>, id: number | null, flag: Flag): string | null {
  const raw = get(r, 'category');
  const given = text(get(r, 'category_text')) ?? (typeof raw === 'string' ? text(raw) : null);
  if (given === null)
    return id !== null && id >= 1 && id <= 10 ? (OBJECTION_CATEGORIES[id - 1] ?? null) : null;
  const known = own(CATEGORY_BY_LOWER, given.toLowerCase());
  if (known === undefined) flag('objection.category', given);
  return known ?? given;
}

/** An enumeration value read with `read`; present but outside its vocabulary → null and flagged (D75). */
export function enumOf<T>(raw: unknown, read: (v: unknown) => T | null, field: string, flag: Flag): T | null {
  if (raw === undefined || raw === null) return null;
  const v = read(raw);
  if (v === null) flag(field, raw);
  return v;
}

export function objection(item: unknown, flag: Flag): Objection | null {
  const r = asRecord(item);
  const objection_text = text(firstPresent(r, ['objection_text', 'objection', 'text'])?.value);
  if (!r || objection_text === null) return null;
  const category_id = int(get(r, 'category_id'));
  return {
    objection_text,
    category_id,
    category_text: category(r, category_id, flag),
    severity: enumOf(get(r, 'severity'), severity, 'objection.severity', flag),
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
export function coachingTip(item: unknown, flag: Flag): CoachingTip | null {
  const r = asRecord(item);
  const tip = r ? text(firstPresent(r, ['tip', 'text', 'recommendation', 'description'])?.value) : text(item);
  if (tip === null) return null;
  return {
    tip,
    priority: enumOf(
      firstPresent(r, ['priority', 'severity'])?.value,
      severity,
      'coaching_tip.priority',
      flag,
    ),
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
const inSet = (set: ReadonlySet<string>) => (v: unknown) => {
  const t = token(v);
  return t !== null && set.has(t) ? t : null;
};

const humanise = (t: string) => {
  const s = t.replace(/_/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/**
 * A pending action (§4.3 `{action, due_at, priority}`) or a Shunya one (`{type, due_at, contact_method,
 * confidence, raw_text}`); a visit action has either shape (D76).
 * action ← the handoff's `action` ?? Shunya's `raw_text` ?? the humanised `type`.
 */
export function pendingAction(item: unknown, flag: Flag): PendingAction | null {
  const r = asRecord(item);
  if (!r) return null;
  const rawType = get(r, 'type') ?? get(r, 'action_type');
  const type = token(rawType);
  const raw_text = text(get(r, 'raw_text'));
  const action = text(get(r, 'action')) ?? raw_text ?? (type ? humanise(type) : null);
  if (action === null) return null;
  return {
    action,
    action_type: enumOf(rawType, inSet(ACTION_TYPES), 'pending_action.action_type', flag),
    due_at: isoDate(get(r, 'due_at')),
    priority: enumOf(get(r, 'priority'), severity, 'pending_action.priority', flag),
    contact_method: enumOf(
      get(r, 'contact_method'),
      inSet(CONTACT_METHODS),
      'pending_action.contact_method',
      flag,
    ),
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

/** Shunya's MissedOpportunityType. */
const OPPORTUNITY_TYPES: ReadonlySet<string> = new Set([
  'discovery',
  'cross_sell',
  'upsell',
  'qualification',
]);

/** The handoff's {opportunity, severity, timestamp} or Shunya's {type, description, impact, suggestion}. */
export function missedOpportunity(item: unknown, flag: Flag): MissedOpportunity | null {
  const r = asRecord(item);
  const description = text(firstPresent(r, ['opportunity', 'description'])?.value);
  if (!r || description === null) return null;
  const type = token(get(r, 'type'));
  // a type outside Shunya's four is kept (it is free text to the frontend) and flagged (D75)
  if (type !== null && !OPPORTUNITY_TYPES.has(type)) flag('missed_opportunity.type', get(r, 'type'));
  return {
    description,
    type,
    severity: enumOf(
      firstPresent(r, ['severity', 'impact'])?.value,
      severity,
      'missed_opportunity.severity',
      flag,
    ),
    timestamp: nonNegative(get(r, 'timestamp')),
    suggestion: text(get(r, 'suggestion')),
  };
}
