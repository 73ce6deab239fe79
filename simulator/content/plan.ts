// The plan of a call: who talks about what and how it ends. It is decided first (seeded by tenant and
// call id, then forced by the scenario), the conversation is rendered from it, and the analysis is
// read off the plan and the rendered turns, so the three always agree.

import { OBJECTION_CATEGORIES } from '../../generated/shunya/contract.ts';
import type { ObjectionCategory, Scenario } from '../scenarios.ts';
import { makeCustomer, type Person, repName } from './people.ts';
import { type Rng, seeded } from './prng.ts';
import { VERTICALS, type Vertical, verticalByKey } from './verticals.ts';

export type Temperature = 'hot' | 'warm' | 'cold' | 'unqualified';
export type Booking = 'booked' | 'not_booked' | 'service_not_offered';
export type Outcome = 'won' | 'lost' | 'pending' | 'no_show' | 'rescheduled';
export type CallType = 'csr_call' | 'sales_call';
/** Steps of a good call that a rep may leave out (each shows in compliance and missed opportunities). */
export type Skippable = 'needs' | 'recap' | 'email' | 'budget' | 'rapport' | 'agenda' | 'upsell';

export interface PlannedObjection {
  category: ObjectionCategory;
  overcome: boolean;
  variant: number;
}

export interface CallPlan {
  seedKey: string;
  callType: CallType;
  vertical: Vertical;
  company: string;
  service: string;
  opener: Vertical['openers'][number];
  rep: string;
  customer: Person;
  temperature: Temperature;
  booking: Booking;
  outcome: Outcome | null;
  objections: PlannedObjection[];
  /** When the call took place (virtual epoch ms). */
  callAtMs: number;
  /** The appointment (or installation) agreed, if any. */
  appointmentMs: number | null;
  skipped: Set<Skippable>;
  crossSell: 'none' | 'addressed' | 'missed';
  price: number;
  /** Share of a sales visit before the transition to proposal/close. */
  part1Share: number;
  wordsPerSecond: number;
  asrConfidence: number;
}

const FROM_QUALIFICATION: Record<string, { temperature: Temperature; booking?: Booking }> = {
  hot: { temperature: 'hot' },
  warm: { temperature: 'warm' },
  cold: { temperature: 'cold' },
  unqualified: { temperature: 'unqualified' },
  qualified_booked: { temperature: 'hot', booking: 'booked' },
  qualified_unbooked: { temperature: 'warm', booking: 'not_booked' },
  qualified_service_not_offered: { temperature: 'warm', booking: 'service_not_offered' },
  not_qualified: { temperature: 'unqualified', booking: 'not_booked' },
};

const FROM_OUTCOME: Record<Outcome, { temperature: Temperature; booking: Booking }> = {
  won: { temperature: 'hot', booking: 'booked' },
  rescheduled: { temperature: 'warm', booking: 'booked' },
  pending: { temperature: 'warm', booking: 'not_booked' },
  lost: { temperature: 'cold', booking: 'not_booked' },
  no_show: { temperature: 'unqualified', booking: 'not_booked' },
};

function outcomeFor(temperature: Temperature | undefined, booking: Booking | undefined): Outcome {
  if (booking === 'booked') return 'won';
  if (booking === 'service_not_offered') return 'lost';
  return temperature === 'hot' || temperature === 'warm' ? 'pending' : 'lost';
}

function resolveCsr(s: Scenario, rng: Rng): { temperature: Temperature; booking: Booking } {
  const q = s.qualification ? FROM_QUALIFICATION[s.qualification] : undefined;
  if (q || s.booking) {
    const booking = s.booking ?? q?.booking ?? (q?.temperature === 'hot' ? 'booked' : 'not_booked');
    const temperature =
      q?.temperature ?? (booking === 'not_booked' ? 'warm' : booking === 'booked' ? 'hot' : 'warm');
    return { temperature, booking };
  }
  const r = rng();
  if (r < 0.45) return { temperature: rng.chance(0.85) ? 'hot' : 'warm', booking: 'booked' };
  if (r < 0.7) return { temperature: 'warm', booking: 'not_booked' };
  if (r < 0.85) return { temperature: 'cold', booking: 'not_booked' };
  if (r < 0.93) return { temperature: 'unqualified', booking: 'not_booked' };
  return { temperature: 'warm', booking: 'service_not_offered' };
}

function resolveSales(
  s: Scenario,
  rng: Rng,
): { temperature: Temperature; booking: Booking; outcome: Outcome } {
  const q = s.qualification ? FROM_QUALIFICATION[s.qualification] : undefined;
  const seededOutcome = (): Outcome => {
    const r = rng();
    return r < 0.4 ? 'won' : r < 0.65 ? 'pending' : r < 0.9 ? 'lost' : r < 0.97 ? 'rescheduled' : 'no_show';
  };
  const outcome =
    s.outcome ?? (q || s.booking ? outcomeFor(q?.temperature, s.booking ?? q?.booking) : seededOutcome());
  const derived = FROM_OUTCOME[outcome];
  return {
    outcome,
    temperature: q?.temperature ?? derived.temperature,
    booking: s.booking ?? q?.booking ?? derived.booking,
  };
}

const DAY = 86_400_000;

/** The next weekday `days` after `fromMs` at `hour`:00 UTC. */
function weekdayAt(fromMs: number, days: number, hour: number): number {
  const d = new Date(Math.floor(fromMs / DAY) * DAY + days * DAY);
  const wd = d.getUTCDay();
  if (wd === 6) d.setUTCDate(d.getUTCDate() + 2);
  if (wd === 0) d.setUTCDate(d.getUTCDate() + 1);
  d.setUTCHours(hour, 0, 0, 0);
  return d.getTime();
}

function pickObjections(rng: Rng, count: number): ObjectionCategory[] {
  return rng.shuffle(OBJECTION_CATEGORIES).slice(0, count);
}

/**
 * @param seedKey `${company_id}:${call_id}`
 * @param dayMs the UTC day the call was submitted (virtual), which dates in the conversation follow
 */
export function planCall(
  seedKey: string,
  callType: CallType,
  dayMs: number,
  scenario: Scenario = {},
): CallPlan {
  const rng = seeded(seedKey);
  const vertical = scenario.vertical ? verticalByKey(scenario.vertical) : rng.pick(VERTICALS);
  // Who and where come first, so that forcing an outcome does not change the people in the call.
  const company = rng.pick(vertical.companies);
  const service = rng.pick(vertical.services);
  const opener = rng.pick(vertical.openers);
  const rep = repName(rng);
  const customer = makeCustomer(rng);
  const sales = callType === 'sales_call';
  const resolved = sales ? resolveSales(scenario, rng) : { ...resolveCsr(scenario, rng), outcome: null };
  const booked = resolved.booking === 'booked';
  const callAtMs = Math.floor(dayMs / DAY) * DAY + rng.int(8, 17) * 3_600_000 + rng.int(0, 59) * 60_000;

  const count = resolved.outcome === 'no_show' ? 0 : sales ? rng.int(1, 3) : rng.int(booked ? 0 : 1, 2);
  const categories = scenario.objections ?? pickObjections(rng, count);
  const objections = categories.map((category, i) => ({
    category,
    // A call that ends well overcame its objections; one that does not leaves the last one standing.
    overcome: booked ? true : i < categories.length - 1 ? rng.chance(0.5) : false,
    variant: rng.int(0, 1),
  }));

  const skipped = new Set<Skippable>();
  if (rng.chance(0.2)) skipped.add('needs');
  if (rng.chance(0.35)) skipped.add('recap');
  if (rng.chance(0.3)) skipped.add('email');
  if (rng.chance(0.5)) skipped.add('budget');
  if (rng.chance(0.2)) skipped.add('rapport');
  if (rng.chance(0.3)) skipped.add('agenda');
  if (rng.chance(0.5)) skipped.add('upsell');

  const [minPrice, maxPrice] = vertical.price;
  return {
    seedKey,
    callType,
    vertical,
    company,
    service,
    opener,
    rep,
    customer,
    temperature: resolved.temperature,
    booking: resolved.booking,
    outcome: resolved.outcome,
    objections,
    callAtMs,
    appointmentMs:
      booked || resolved.outcome === 'won' || resolved.outcome === 'rescheduled'
        ? weekdayAt(callAtMs, rng.int(1, 6), rng.pick([9, 10, 11, 13, 14, 15, 16]))
        : null,
    skipped,
    crossSell: rng.chance(0.5) ? 'none' : rng.chance(0.5) ? 'addressed' : 'missed',
    price: Math.round(rng.int(minPrice, maxPrice) / 50) * 50,
    part1Share: rng.float(0.4, 0.6),
    wordsPerSecond: rng.float(2.2, 2.7),
    asrConfidence: rng.float(0.86, 0.97),
  };
}
