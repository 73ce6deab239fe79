// People, places and the small talk and objections that any home-services conversation has.
import type { ObjectionCategory } from '../scenarios.ts';
import type { Rng } from './prng.ts';

const FIRST = [
  'James',
  'Maria',
  'Robert',
  'Linda',
  'Michael',
  'Patricia',
  'David',
  'Jennifer',
  'Carlos',
  'Aisha',
  'Thomas',
  'Nancy',
  'Kevin',
  'Grace',
  'Daniel',
  'Priya',
];
const LAST = [
  'Smith',
  'Johnson',
  'Garcia',
  'Miller',
  'Davis',
  'Martinez',
  'Wilson',
  'Anderson',
  'Taylor',
  'Nguyen',
  'Patel',
  'Brooks',
  'Reed',
  'Hughes',
  'Foster',
  'Coleman',
];
const REPS = ['John', 'Sarah', 'Mike', 'Emily', 'Chris', 'Jessica', 'Tony', 'Rachel', 'Brian', 'Megan'];
const STREETS = [
  'Main St',
  'Oak Ave',
  'Maple Dr',
  'Cedar Ln',
  'Elm St',
  'Pine Ridge Rd',
  'Lakeview Dr',
  'Hillcrest Ave',
  'Willow Way',
  'Sunset Blvd',
];
const CITIES: readonly (readonly [string, string, string, string])[] = [
  ['Springfield', 'IL', '62701', '217'],
  ['Plano', 'TX', '75024', '972'],
  ['Marietta', 'GA', '30062', '770'],
  ['Mesa', 'AZ', '85204', '480'],
  ['Columbus', 'OH', '43215', '614'],
  ['Raleigh', 'NC', '27603', '919'],
  ['Boise', 'ID', '83702', '208'],
  ['Tampa', 'FL', '33611', '813'],
];
const DOMAINS = ['example.com', 'example.net', 'example.org'];

export interface Person {
  first: string;
  last: string;
  full: string;
  address: string;
  /** E.164, as extracted. */
  phone: string;
  /** As spoken: 217-555-0123. */
  phoneSpoken: string;
  email: string;
}

export function makeCustomer(rng: Rng): Person {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const [city, state, zip, area] = rng.pick(CITIES);
  const line = String(rng.int(100, 199)).padStart(4, '0');
  return {
    first,
    last,
    full: `${first} ${last}`,
    address: `${rng.int(100, 9899)} ${rng.pick(STREETS)}, ${city}, ${state} ${zip}`,
    phone: `+1${area}555${line}`,
    phoneSpoken: `${area}-555-${line}`,
    email: `${first}.${last}${rng.int(1, 99)}@${rng.pick(DOMAINS)}`.toLowerCase(),
  };
}

export const repName = (rng: Rng) => rng.pick(REPS);

/** Generic question-and-answer pairs that fill a long conversation between the scripted moments. */
export const SMALL_TALK: readonly (readonly [string, string])[] = [
  ['How long have you lived in the house?', "We've been here about eleven years now."],
  [
    'Do you have any pets we should know about when the crew comes?',
    'Just a friendly golden retriever, we can keep him inside.',
  ],
  ['Is there good parking in the driveway for a truck?', 'Yes, the driveway fits two cars easily.'],
  ['Is there a gate code or anything to get into the neighborhood?', "No gate, it's an open neighborhood."],
  ['What made you call us in particular?', 'My neighbor used you last year and said good things.'],
  [
    'Are you working from home, or is someone usually around during the day?',
    "I work from home most days, so someone's usually here.",
  ],
  ['Have you gotten any other quotes so far?', 'Not yet, you are the first company I have called.'],
  [
    'Is there anything else about the house I should know?',
    'The back gate sticks a little, you have to lift it.',
  ],
  ['Would you like us to text you when the technician is on the way?', 'Yes, a text would be great.'],
  ['What is the best time of day to reach you?', 'Mornings are usually best for me.'],
  ['Is this your primary residence?', 'Yes, we live here full time.'],
  [
    'Do you have an HOA that needs to approve the work?',
    'There is an HOA, but they only care about colors on the outside.',
  ],
];

export interface ObjectionText {
  id: number;
  customer: readonly string[];
  response: readonly string[];
  suggestions: readonly string[];
  severity: 'low' | 'medium' | 'high';
}

export const OBJECTIONS: Record<ObjectionCategory, ObjectionText> = {
  'Price/Budget': {
    id: 1,
    customer: [
      "Honestly, that sounds expensive. I wasn't expecting it to cost that much.",
      'That is more than we budgeted for, to be honest.',
    ],
    response: [
      'I understand. We do offer financing with low monthly payments, and the price includes the full warranty.',
    ],
    suggestions: ['Focus on value proposition', 'Offer payment plan options'],
    severity: 'medium',
  },
  Timing: {
    id: 2,
    customer: [
      "I'm not sure now is the right time, maybe in a few months.",
      'We were hoping to wait until after the holidays.',
    ],
    response: [
      'That makes sense. The risk is that the damage gets worse in the meantime, and our schedule fills up fast.',
    ],
    suggestions: ['Explain the cost of waiting', "Offer a later start date with today's price"],
    severity: 'low',
  },
  Competitor: {
    id: 3,
    customer: [
      'I already got a quote from another company that was a lot lower.',
      'Another company said they could do it next week.',
    ],
    response: [
      'I would be happy to look at their quote with you so we can compare the materials and warranty line by line.',
    ],
    suggestions: ['Compare scope and warranty, not just price', 'Highlight reviews and certifications'],
    severity: 'medium',
  },
  'Trust/Credibility': {
    id: 4,
    customer: ["I've never heard of your company before. How long have you been around?"],
    response: [
      "We've been serving the area for over twenty years, and I can send you our reviews and license number.",
    ],
    suggestions: ['Share reviews and references', 'Mention licensing and insurance'],
    severity: 'medium',
  },
  'Need/Fit': {
    id: 5,
    customer: ["I'm not sure we really need all of that. Can't you just fix the one spot?"],
    response: [
      'We can, but a spot repair would not address the underlying cause, so I want you to see both options.',
    ],
    suggestions: ['Show evidence of the underlying problem', 'Offer a good-better-best choice'],
    severity: 'low',
  },
  'Decision Authority': {
    id: 6,
    customer: [
      "I'll need to talk it over with my wife before we decide anything.",
      'My husband has to be part of this decision.',
    ],
    response: ['Of course. Would it help if we set a time when you can both be there?'],
    suggestions: ['Involve all decision makers early', 'Offer a follow-up with both decision makers'],
    severity: 'medium',
  },
  Technical: {
    id: 7,
    customer: ['How long will the work take, and will we have to be out of the house?'],
    response: ['Most jobs like this take one to two days, and you can stay home the whole time.'],
    suggestions: ['Explain the installation process step by step'],
    severity: 'low',
  },
  'Contract Terms': {
    id: 8,
    customer: ["I don't want to be locked into a long contract or pay a big deposit up front."],
    response: [
      'There is no long-term contract, and the deposit is only ten percent, refundable for three days.',
    ],
    suggestions: ['Clarify deposit and cancellation terms'],
    severity: 'medium',
  },
  'DIY Alternative': {
    id: 9,
    customer: ['My brother-in-law thinks he could probably do it himself over a weekend.'],
    response: [
      'Some people do, but a permitted, warrantied install protects your home insurance and resale value.',
    ],
    suggestions: ['Explain warranty and permit benefits of professional work'],
    severity: 'low',
  },
  'No Response': {
    id: 10,
    customer: ["Hmm. I don't know. I'll have to think about it."],
    response: ['Take your time. What questions can I answer that would help you decide?'],
    suggestions: ['Ask open questions to uncover the real concern'],
    severity: 'high',
  },
};
