// The scripts of a call, rendered from its plan: what the rep and the customer say, in order, with tags
// on the lines the analysis quotes. A CSR call is a head (greeting, problem, discovery) and a tail
// (contact details, objections, booking, closing) with discovery in between; a sales visit is part 1
// (rapport, agenda, discovery, findings) and part 2 (transition, proposal, price, objections, close).
import { OBJECTIONS, SMALL_TALK } from './people.ts';
import type { CallPlan } from './plan.ts';

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

/** One line of the conversation before it is timed. */
export interface Line {
  speaker: 'rep' | 'customer';
  text: string;
  tag?: Tag;
  objection?: number;
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

export const PROPOSAL_QA: readonly (readonly [string, string])[] = [
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

export const rep = (text: string, tag?: Tag): Line => ({ speaker: 'rep', text, ...(tag ? { tag } : {}) });
export const cust = (text: string, tag?: Tag): Line => ({
  speaker: 'customer',
  text,
  ...(tag ? { tag } : {}),
});

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

export function csrScript(p: CallPlan): { head: Line[]; tail: Line[] } {
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

export function salesScript(p: CallPlan): SalesScript {
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
