// Written by `npm run conformance:audio` (make.ts); do not edit. The kit's speech fixtures: each file's
// duration, size and SHA-256, and the lines spoken (what a transcript of it should say).

export interface SpeechFixture {
  file: string;
  conversation: string;
  durationS: number;
  bytes: number;
  sha256: string;
}

export const SPEECH: SpeechFixture[] = [
  {
    file: 'csr-call.wav',
    conversation: 'csr-call',
    durationS: 19.4,
    bytes: 155228,
    sha256: '71d1231231b2ad85912e158660f4e346493f41752bbb1870f5936d9bff7e61b9',
  },
  {
    file: 'csr-call.mp3',
    conversation: 'csr-call',
    durationS: 19.4,
    bytes: 58628,
    sha256: '9682306f06efff0a62825f8008149bc6216f32396eb555114eba2ac69a1f9987',
  },
  {
    file: 'csr-call.m4a',
    conversation: 'csr-call',
    durationS: 19.4,
    bytes: 61164,
    sha256: 'bf2eb47c71b6aaef395c90ec90aa44aeea7bd9e5a64dc98af7659feada584452',
  },
  {
    file: 'sales-visit.wav',
    conversation: 'sales-visit',
    durationS: 18,
    bytes: 143950,
    sha256: '2829d383d4d4fd02b96b61fcbd4399769d10fdc992fa71ad63d4413d9ae1f8a4',
  },
  {
    file: 'sales-visit.mp3',
    conversation: 'sales-visit',
    durationS: 18,
    bytes: 54416,
    sha256: '40dc21cc96667be146c68003ded2443756d096af7cf02373d831d9be77af48c0',
  },
  {
    file: 'sales-visit.m4a',
    conversation: 'sales-visit',
    durationS: 18,
    bytes: 56769,
    sha256: '95aa74b2dd14d87f45ea658c0d681722927b5208af443ef53e7d588ae74e105f',
  },
];

export const CONVERSATIONS: Record<string, { title: string; lines: [string, string][] }> = {
  'csr-call': {
    title: 'A CSR call: a customer books an air conditioning repair',
    lines: [
      ['agent', 'Summit Heating and Air, this is Mike. How can I help?'],
      ['customer', 'Hi. My air conditioner stopped cooling last night.'],
      ['agent', 'Sorry to hear that. What is your address?'],
      ['customer', '42 Maple Street. Can someone come tomorrow?'],
      ['agent', 'Tomorrow at nine. The visit is eighty nine dollars.'],
      ['customer', 'Great, please book it.'],
    ],
  },
  'sales-visit': {
    title: 'A sales visit: a water heater replacement quote with a price objection',
    lines: [
      ['agent', 'Your water heater is twelve years old and leaking.'],
      ['customer', 'What would a new one cost?'],
      ['agent', 'Installed, it is two thousand four hundred dollars.'],
      ['customer', 'That is more than we budgeted. I need to think.'],
      ['agent', 'We offer financing at sixty nine dollars a month.'],
      ['customer', 'That helps. Send me the quote by email.'],
    ],
  },
};
