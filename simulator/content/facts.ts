// What an analysis of a call finds, independent of how it is presented: read off the plan and the
// rendered turns, so that objections quote the turns they come from (with their start times), the
// entities are what the customer said, and qualification and booking follow from how the call ended.
import type { ObjectionCategory } from '../scenarios.ts';
import type { Conversation, Turn } from './conversation.ts';
import { OBJECTIONS } from './people.ts';
import type { CallPlan } from './plan.ts';
import { clamp01, type Rng, round, seeded } from './prng.ts';
import type { Tag } from './scripts.ts';

export interface ObjectionFact {
  id: number;
  category: ObjectionCategory;
  text: string;
  severity: 'low' | 'medium' | 'high';
  overcome: boolean;
  timestamp: number;
  confidence: number;
  suggestions: readonly string[];
}

export interface ActionFact {
  type: string;
  action: string;
  dueMs: number | null;
  priority: 'low' | 'medium' | 'high';
  contact: 'phone' | 'email' | 'sms' | 'in_person';
  confidence: number;
  rawText: string;
}

export interface MissedFact {
  type: 'discovery' | 'cross_sell' | 'upsell' | 'qualification';
  description: string;
  impact: 'low' | 'medium' | 'high';
  timestamp: number | null;
  reasoning: string;
  suggestion: string;
}

export interface Facts {
  objections: ObjectionFact[];
  entities: { name: string | null; address: string | null; phone: string | null; email: string | null };
  appointmentMs: number | null;
  bant: { budget: number; authority: number; need: number; timeline: number };
  overall: number;
  stagesFollowed: string[];
  stagesMissed: string[];
  violations: string[];
  positives: string[];
  recommendations: string[];
  actions: ActionFact[];
  missed: MissedFact[];
  sentiment: number;
  confidence: { summary: number; qualification: number; compliance: number; segmentation: number };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE: Record<CallPlan['temperature'], number> = {
  hot: 0.85,
  warm: 0.65,
  cold: 0.42,
  unqualified: 0.22,
};

function bant(p: CallPlan, rng: Rng) {
  const base = BASE[p.temperature];
  const has = (c: ObjectionCategory) => p.objections.some((o) => o.category === c);
  const jitter = () => (rng() - 0.5) * 0.1;
  return {
    budget: round(clamp01(base + jitter() - (has('Price/Budget') ? 0.15 : 0))),
    authority: round(clamp01(base + jitter() - (has('Decision Authority') ? 0.25 : 0))),
    need: round(clamp01(base + 0.08 + jitter())),
    timeline: round(clamp01(base + jitter() - (has('Timing') ? 0.2 : 0))),
  };
}

function stages(p: CallPlan, has: (t: Tag) => boolean): [string, boolean][] {
  if (p.callType === 'sales_call')
    return [
      ['Introduction', has('greeting')],
      ['Rapport Building', !p.skipped.has('rapport') && has('greeting')],
      ['Agenda Setting', has('agenda')],
      ['Needs Assessment', has('discovery')],
      ['Proposal', has('proposal')],
      ['Pricing', has('price')],
      ['Upsell', has('upsell')],
      ['Closing', has('closing')],
    ];
  const out: [string, boolean][] = [
    ['Introduction', has('greeting')],
    ['Discovery', has('discovery')],
    ['Needs Assessment', !p.skipped.has('needs')],
    ['Budget Discussion', has('budget')],
    ['Contact Information', has('name') && has('phone')],
    ['Appointment Offer', has('booking_offer')],
  ];
  if (p.booking === 'booked') out.push(['Recap', has('recap')]);
  out.push(['Closing', has('closing')]);
  return out;
}

function actions(p: CallPlan, turn: (t: Tag) => Turn | undefined, rng: Rng): ActionFact[] {
  const c = p.customer;
  const conf = () => rng.float(0.8, 0.97);
  const raw = (t: Tag) => turn(t)?.text ?? '';
  const out: ActionFact[] = [];
  const add = (
    type: string,
    action: string,
    dueMs: number | null,
    priority: ActionFact['priority'],
    contact: ActionFact['contact'],
    rawText: string,
  ) => out.push({ type, action, dueMs, priority, contact, confidence: conf(), rawText });
  const appt = p.appointmentMs;
  const visit = { inspection: 'Inspection', site_visit: 'Site visit', measurement: 'Measurement' }[
    p.vertical.visitAction
  ];
  if (p.callType === 'sales_call') {
    if (p.outcome === 'won' && appt) {
      add(
        'send_contract',
        `Email the contract to ${c.email}`,
        p.callAtMs + 2 * HOUR,
        'high',
        'email',
        raw('booking_accept'),
      );
      add('site_visit', `Installation at ${c.address}`, appt, 'high', 'in_person', raw('booking_offer'));
    } else if (p.outcome === 'rescheduled' && appt) {
      add(
        'confirm_appointment',
        `Confirm the follow-up visit with ${c.first}`,
        appt - DAY,
        'high',
        'phone',
        raw('booking_offer'),
      );
    } else if (p.outcome === 'pending') {
      add(
        'send_quote',
        `Email the written quote to ${c.first}`,
        p.callAtMs + DAY,
        'medium',
        'email',
        raw('price'),
      );
      add(
        'follow_up_call',
        `Call ${c.first} to answer questions about the proposal`,
        p.callAtMs + 3 * DAY,
        'high',
        'phone',
        raw('close'),
      );
    } else if (p.outcome === 'no_show') {
      add(
        'call_back',
        `Call ${c.first} to reschedule the missed appointment`,
        p.callAtMs + HOUR,
        'high',
        'phone',
        raw('transition'),
      );
    } else {
      add(
        'check_in',
        `Check in with ${c.first} in a month`,
        p.callAtMs + 30 * DAY,
        'low',
        'phone',
        raw('close'),
      );
    }
  } else if (p.booking === 'booked' && appt) {
    add(
      'confirm_appointment',
      `Confirm the appointment with ${c.first} by phone`,
      appt - DAY,
      'high',
      'phone',
      raw('booking_accept'),
    );
    add(p.vertical.visitAction, `${visit} at ${c.address}`, appt, 'high', 'in_person', raw('booking_offer'));
  } else if (p.booking === 'service_not_offered') {
    add(
      'send_info',
      `Send ${c.first} a referral for ${p.vertical.notOffered.service.toLowerCase()}`,
      p.callAtMs + DAY,
      'low',
      turn('email') ? 'email' : 'sms',
      raw('not_offered'),
    );
  } else if (p.temperature === 'warm' || p.temperature === 'hot') {
    add(
      'call_back',
      `Call ${c.first} back to schedule an inspection`,
      p.callAtMs + 2 * DAY,
      'medium',
      'phone',
      raw('booking_decline'),
    );
    if (p.objections.some((o) => o.category === 'Price/Budget'))
      add(
        'send_estimate',
        `Send ${c.first} a written estimate`,
        p.callAtMs + DAY,
        'medium',
        turn('email') ? 'email' : 'sms',
        raw('objection'),
      );
  } else if (p.temperature === 'cold') {
    add(
      'follow_up_call',
      `Follow up with ${c.first} in two weeks`,
      p.callAtMs + 14 * DAY,
      'low',
      'phone',
      raw('booking_decline'),
    );
  }
  // §6.7 and the contract's x-ordering: due_at ascending, nulls last, then priority high → low.
  const due = (a: ActionFact) => a.dueMs ?? Number.POSITIVE_INFINITY;
  const rank = { high: 0, medium: 1, low: 2 } as const;
  return out.sort((a, b) =>
    due(a) === due(b) ? rank[a.priority] - rank[b.priority] : due(a) < due(b) ? -1 : 1,
  );
}

function missed(p: CallPlan, turn: (t: Tag) => Turn | undefined): MissedFact[] {
  const out: MissedFact[] = [];
  const cs = turn('cross_sell');
  if (p.crossSell === 'missed' && cs)
    out.push({
      type: 'cross_sell',
      description: `Customer mentioned a need for ${p.vertical.crossSell.service} but the rep did not follow up`,
      impact: 'medium',
      timestamp: cs.start,
      reasoning: `Customer said '${cs.text}' and the rep moved on`,
      suggestion: `Offer a ${p.vertical.crossSell.service} assessment during the visit`,
    });
  if (p.callType === 'csr_call' && p.skipped.has('needs'))
    out.push({
      type: 'discovery',
      description: 'The rep asked only one discovery question before collecting details',
      impact: 'medium',
      timestamp: turn('discovery')?.start ?? null,
      reasoning: 'Needs assessment was cut short',
      suggestion: 'Ask about the age, history and scope of the problem before booking',
    });
  if (p.callType === 'csr_call' && !turn('budget'))
    out.push({
      type: 'qualification',
      description: 'Budget was never discussed',
      impact: 'low',
      timestamp: null,
      reasoning: 'No BANT budget question was asked',
      suggestion: 'Ask whether the customer has a budget or insurance coverage in mind',
    });
  const price = turn('price');
  if (p.callType === 'sales_call' && !turn('upsell') && price)
    out.push({
      type: 'upsell',
      description: 'The rep did not present the premium option',
      impact: 'medium',
      timestamp: price.start,
      reasoning: 'Only one package was presented before the price',
      suggestion: 'Present a good-better-best choice before quoting',
    });
  // The contract's x-ordering (D53): by timestamp, whole-call ones (null) last.
  const at = (m: MissedFact) => m.timestamp ?? Number.POSITIVE_INFINITY;
  return out.sort((a, b) => at(a) - at(b) || 0);
}

export function deriveFacts(p: CallPlan, conv: Conversation): Facts {
  const rng = seeded(`${p.seedKey}:analysis`);
  const turn = (t: Tag) => conv.turns.find((x) => x.tag === t);
  const has = (t: Tag) => turn(t) !== undefined;
  const said = (s: string) => conv.turns.some((t) => t.text.includes(s));
  const c = p.customer;
  const objections = conv.turns
    .filter((t) => t.tag === 'objection' && t.objection !== undefined)
    .map((t) => {
      const o = p.objections[t.objection!]!;
      const meta = OBJECTIONS[o.category];
      return {
        id: meta.id,
        category: o.category,
        text: t.text,
        severity: o.overcome ? meta.severity : meta.severity === 'low' ? 'medium' : 'high',
        overcome: o.overcome,
        timestamp: t.start,
        confidence: rng.float(0.78, 0.96),
        suggestions: meta.suggestions,
      } satisfies ObjectionFact;
    });
  const st = stages(p, has);
  const followed = st.filter(([, ok]) => ok).map(([s]) => s);
  const missedStages = st.filter(([, ok]) => !ok).map(([s]) => s);
  const b = bant(p, rng);
  const unresolved = objections.filter((o) => !o.overcome).length;
  return {
    objections,
    entities: {
      name: said(c.full) ? c.full : null,
      address: said(c.address) ? c.address : null,
      phone: said(c.phoneSpoken) ? c.phone : null,
      email: said(c.email) ? c.email : null,
    },
    appointmentMs: has('booking_accept') ? p.appointmentMs : null,
    bant: b,
    overall: round((b.budget + b.authority + b.need + b.timeline) / 4, 3),
    stagesFollowed: followed,
    stagesMissed: missedStages,
    violations: [
      ...(missedStages.includes('Recap')
        ? ['Did not recap the appointment details before ending the call']
        : []),
      ...(missedStages.includes('Agenda Setting') ? ['Did not set an agenda at the start of the visit'] : []),
    ],
    positives: [
      'Professional greeting with company and name',
      ...(objections.some((o) => o.overcome) ? ['Handled objections calmly and with specifics'] : []),
      ...(has('cross_sell_reply') ? ['Picked up on an additional need the customer mentioned'] : []),
    ],
    recommendations: missedStages.map(
      (s) => `Include the ${s.toLowerCase()} step in every ${p.callType === 'sales_call' ? 'visit' : 'call'}`,
    ),
    actions: actions(p, turn, rng),
    missed: missed(p, turn),
    sentiment: round(clamp01(BASE[p.temperature] + (rng() - 0.5) * 0.1 - 0.05 * unresolved)),
    confidence: {
      summary: rng.float(0.82, 0.95),
      qualification: rng.float(0.8, 0.95),
      compliance: rng.float(0.8, 0.93),
      segmentation: rng.float(0.75, 0.95),
    },
  };
}
