// Renders a plan into a conversation: alternating rep/customer turns, timed so that they start at 0,
// each starts where the previous ended (no gaps) and the last ends with the audio. Tags mark the turns
// the analysis quotes (objections, contact details, the booking, the transition to the proposal).
import { OBJECTIONS, SMALL_TALK } from './people.ts';
import type { CallPlan } from './plan.ts';
import { clamp01, round, seeded } from './prng.ts';

export type Tag =
  | 'greeting'
  | 'opener'
  | 'discovery'
  | 'budget'
  | 'name'
  | 'address'
  | 'phone'
  | 'email'
  | 'cross_sell'
  | 'cross_sell_reply'
  | 'not_offered'
  | 'objection'
  | 'booking_offer'
  | 'booking_accept'
  | 'booking_decline'
  | 'recap'
  | 'agenda'
  | 'transition'
  | 'proposal'
  | 'upsell'
  | 'price'
  | 'close'
  | 'closing';

export interface Turn {
  speaker: 'rep' | 'customer';
  text: string;
  tag?: Tag;
  objection?: number;
  start: number;
  end: number;
  confidence: number;
}

export interface Conversation {
  turns: Turn[];
  /** Index of the rep's turn that opens part 2 (sales visits). */
  transition: number | null;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const hour12 = (h: number) => `${h % 12 === 0 ? 12 : h % 12} ${h < 12 ? 'AM' : 'PM'}`;
/** "Tuesday, March 18 at 2 PM" (UTC). */
export const spokenDate = (ms: number) => {
  const d = new Date(ms);
  return `${WEEKDAYS[d.getUTCDay()]}, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} at ${hour12(d.getUTCHours())}`;
};
const shortDate = (ms: number) =>
  `${WEEKDAYS[new Date(ms).getUTCDay()]} at ${hour12(new Date(ms).getUTCHours())}`;
const money = (n: number) => `$${n.toLocaleString('en-US')}`;

const PROPOSAL_QA: readonly (readonly [string, string])[] = [
  ['How long does the warranty last?', 'The materials are covered for fifty years and our labor for ten.'],
  ['Do you pull the permits?', 'Yes, we handle all the permits and the final inspection.'],
  [
    'Who actually does the work, your own crew or subcontractors?',
    'Our own crews, all background-checked and insured.',
  ],
  [
    'What happens if it rains during the job?',
    'We watch the forecast closely and protect everything at the end of each day.',
  ],
  ['Can we pick the colors?', 'Absolutely, I have samples in the truck I can show you.'],
  ['Will you clean up afterwards?', 'Yes, we do a full cleanup and a magnetic sweep for nails and screws.'],
  ['Do you offer financing?', 'We do, with terms from twelve to one hundred and twenty months.'],
  ['How soon could you start?', 'Usually within two to three weeks of signing.'],
];

type Line = Omit<Turn, 'start' | 'end' | 'confidence'>;
const rep = (text: string, tag?: Tag): Line => ({ speaker: 'rep', text, ...(tag ? { tag } : {}) });
const cust = (text: string, tag?: Tag): Line => ({ speaker: 'customer', text, ...(tag ? { tag } : {}) });

function objectionLines(p: CallPlan): Line[] {
  return p.objections.flatMap((o, i) => {
    const t = OBJECTIONS[o.category];
    return [
      { ...cust(t.customer[o.variant % t.customer.length]!, 'objection'), objection: i },
      rep(t.response[0]!),
      cust(o.overcome ? 'Okay, that makes sense.' : "I'm still not sure about that."),
    ];
  });
}

function csrScript(p: CallPlan): { head: Line[]; tail: Line[] } {
  const v = p.vertical;
  const c = p.customer;
  const booked = p.booking === 'booked';
  const [q0, a0] = v.discovery[0]!;
  const head: Line[] = [
    rep(`Thank you for calling ${p.company}, this is ${p.rep}. How can I help you today?`, 'greeting'),
    cust(p.opener.text, 'opener'),
    rep(`I'm sorry to hear that, we can definitely help with ${v.thing}. ${q0}`, 'discovery'),
    cust(a0),
  ];
  if (!p.skipped.has('needs'))
    for (const [q, a] of v.discovery.slice(1, 3)) head.push(rep(q, 'discovery'), cust(a));
  const tail: Line[] = [];
  if (p.crossSell !== 'none') {
    tail.push(cust(v.crossSell.line, 'cross_sell'));
    tail.push(
      p.crossSell === 'addressed'
        ? rep(
            `Good to know, we can take a look at the ${v.crossSell.service} while we are out there.`,
            'cross_sell_reply',
          )
        : rep('Okay. Let me get a few details from you.'),
    );
  }
  if (!p.skipped.has('budget')) {
    const budget = {
      hot: "We have insurance and some savings set aside, so we're ready to get it done.",
      warm: "We'd like to keep it reasonable, but we know it needs to be done.",
      cold: "Honestly, I'm just getting prices right now.",
      unqualified: "I'm not really the one who would be paying for it.",
    }[p.temperature];
    tail.push(rep('Do you have a budget in mind for this project?', 'budget'), cust(budget));
  }
  tail.push(
    rep('Can I get your first and last name?'),
    cust(`Sure, it's ${c.full}.`, 'name'),
    rep("And what's the address of the property?"),
    cust(`It's ${c.address}.`, 'address'),
    rep("What's the best phone number to reach you?"),
    cust(`You can reach me at ${c.phoneSpoken}.`, 'phone'),
  );
  if (!p.skipped.has('email'))
    tail.push(rep('And an email address for the confirmation?'), cust(`It's ${c.email}.`, 'email'));
  if (p.booking === 'service_not_offered') {
    tail.push(
      cust(v.notOffered.line, 'not_offered'),
      rep(
        `Unfortunately we don't offer ${v.notOffered.service.toLowerCase()}, but I can recommend a company that does.`,
      ),
      cust("Oh, okay. That's really what I needed, so I'll give them a call."),
    );
  }
  tail.push(...objectionLines(p));
  if (p.booking !== 'service_not_offered') {
    if (booked) {
      tail.push(
        rep(
          `I have an opening on ${spokenDate(p.appointmentMs!)}. Would that work for you?`,
          'booking_offer',
        ),
        cust(`Yes, ${shortDate(p.appointmentMs!)} works for me.`, 'booking_accept'),
      );
      if (!p.skipped.has('recap'))
        tail.push(
          rep(`Just to recap, we'll see you on ${spokenDate(p.appointmentMs!)} at ${c.address}.`, 'recap'),
          cust('Perfect, thank you.'),
        );
    } else if (p.temperature === 'unqualified') {
      tail.push(
        rep('Would you like to set up a free inspection?', 'booking_offer'),
        cust(
          "Actually, I'm renting the place, so my landlord would have to approve anything first.",
          'booking_decline',
        ),
        rep('No problem, have your landlord give us a call and we will take care of it.'),
      );
    } else {
      tail.push(
        rep(
          'I could send someone out this week for a free inspection. Would you like to book a time?',
          'booking_offer',
        ),
        cust(
          p.temperature === 'cold'
            ? "I'm just gathering a few prices for now. I'll call back if I decide to go ahead."
            : 'Let me check my schedule and call you back to set something up.',
          'booking_decline',
        ),
      );
    }
  }
  tail.push(
    rep(`Thanks for calling ${p.company}, ${c.first}. Have a great day.`, 'closing'),
    cust('Thanks, you too. Bye.'),
  );
  return { head, tail };
}

interface SalesScript {
  /** Part 1 before and after the discovery filler; part 2 before and after the proposal filler. */
  part1: [Line[], Line[]];
  part2: [Line[], Line[]];
}

function salesScript(p: CallPlan): SalesScript {
  const v = p.vertical;
  const c = p.customer;
  if (p.outcome === 'no_show')
    return {
      part1: [
        [
          rep(
            `I'm at ${c.address} for the appointment with ${c.full}, but nobody is answering the door.`,
            'address',
          ),
        ],
        [],
      ],
      part2: [
        [
          rep(
            `Hi ${c.first}, this is ${p.rep} from ${p.company}. I'm outside for our appointment, please call me back.`,
            'transition',
          ),
        ],
        [],
      ],
    };
  const part1: Line[] = [
    rep(
      `Hi, you must be ${c.first}. I'm ${p.rep} with ${p.company}, we have an appointment today.`,
      'greeting',
    ),
    cust(`Yes, hi, come on in. I'm ${c.full}.`, 'name'),
  ];
  if (!p.skipped.has('rapport')) part1.push(rep(SMALL_TALK[0]![0]), cust(SMALL_TALK[0]![1]));
  if (!p.skipped.has('agenda'))
    part1.push(
      rep(
        `Here's how today will go: I'll take a look at ${v.thing}, ask you a few questions, and then walk you through your options and pricing. Sound good?`,
        'agenda',
      ),
      cust('Sounds good.'),
    );
  part1.push(
    rep(`Just to confirm, the address here is ${c.address}, right?`, 'address'),
    cust("That's right."),
  );
  part1.push(rep('So tell me what is going on.'), cust(p.opener.text, 'opener'));
  for (const [q, a] of v.discovery.slice(0, 3)) part1.push(rep(q, 'discovery'), cust(a));
  const part1b: Line[] = [];
  if (p.crossSell !== 'none')
    part1b.push(
      cust(v.crossSell.line, 'cross_sell'),
      p.crossSell === 'addressed'
        ? rep(`I'll include the ${v.crossSell.service} in my notes.`, 'cross_sell_reply')
        : rep('Okay.'),
    );
  for (const f of v.findings) part1b.push(rep(f, 'discovery'));
  part1b.push(cust('Wow, I had no idea it was that bad.'));

  const part2: Line[] = [
    rep(
      "Alright, based on what I found, let me walk you through what I'd recommend and what it would cost.",
      'transition',
    ),
    cust('Okay, let us hear it.'),
    rep(v.proposal[0]!, 'proposal'),
    cust('Okay.'),
    rep(v.proposal[1]!, 'proposal'),
  ];
  const part2b: Line[] = [];
  if (!p.skipped.has('upsell'))
    part2b.push(
      rep('We also have a premium package with extended coverage if you want the best protection.', 'upsell'),
      cust('Good to know.'),
    );
  if (p.booking === 'service_not_offered')
    part2b.push(
      cust(v.notOffered.line, 'not_offered'),
      rep(`Unfortunately ${v.notOffered.service.toLowerCase()} is not something we offer.`),
    );
  part2b.push(
    rep(
      `For everything we talked about, the total comes to ${money(p.price)}, and we have financing from about ${money(Math.round(p.price / 120))} a month.`,
      'price',
    ),
  );
  part2b.push(...objectionLines(p));
  const when = p.appointmentMs;
  switch (p.outcome) {
    case 'won':
      part2b.push(
        cust("Alright, let's go ahead and do it.", 'close'),
        rep(
          `Great! I can get the crew out on ${spokenDate(when!)}. What email should I send the contract to?`,
          'booking_offer',
        ),
        cust(`It's ${c.email}. And ${shortDate(when!)} works for us.`, 'booking_accept'),
      );
      break;
    case 'rescheduled':
      part2b.push(
        cust(
          `Could we finish this when my spouse can be here? How about ${spokenDate(when!)}?`,
          'booking_offer',
        ),
        rep(`${shortDate(when!)} works. I'll see you both then.`, 'booking_accept'),
      );
      break;
    case 'pending':
      part2b.push(
        cust('We need a few days to think it over before we commit.', 'close'),
        rep("Of course. I'll follow up with you later this week to answer any questions."),
      );
      break;
    default:
      part2b.push(
        cust("Honestly, I think we're going to go with another company.", 'close'),
        rep('I understand. If anything changes, please give us a call.'),
      );
  }
  part2b.push(rep('Thank you for your time today.', 'closing'), cust('Thank you.'));
  return { part1: [part1, part1b], part2: [part2, part2b] };
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
/** Seconds a line takes at `wps` words per second, with a short pause. Lines repeat a lot: cache. */
const naturalSeconds = (text: string, wps: number) => {
  let n = wordCache.get(text);
  if (n === undefined) {
    n = words(text);
    if (wordCache.size < 5000) wordCache.set(text, n);
  }
  return n / wps + 0.4;
};

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
