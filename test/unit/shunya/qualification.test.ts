// Decision D14, row by row: both vocabularies → one call-outcome category and one lead status.
import { describe, expect, it } from 'vitest';
import {
  classifyQualification,
  type QualificationInput,
} from '../../../src/shunya/normalize/qualification.ts';

type Want = [category: string, leadStatus: string, temperature: string | null, quality: string, rule: number];

const table: [string, QualificationInput, Want][] = [
  // Rule 1: booked
  [
    'Shunya hot + booked',
    { qualification_status: 'hot', booking_status: 'booked' },
    ['qualified_and_booked', 'qualified_booked', 'hot', 'qualified', 1],
  ],
  [
    'Shunya warm + booked',
    { qualification_status: 'warm', booking_status: 'booked' },
    ['qualified_and_booked', 'qualified_booked', 'warm', 'qualified', 1],
  ],
  [
    'Shunya cold + booked',
    { qualification_status: 'cold', booking_status: 'booked' },
    ['qualified_and_booked', 'qualified_booked', 'cold', 'qualified', 1],
  ],
  [
    'handoff qualified_booked',
    { qualification_status: 'qualified_booked' },
    ['qualified_and_booked', 'qualified_booked', null, 'qualified', 1],
  ],
  [
    'status qualified_and_booked (an alias)',
    { qualification_status: 'qualified_and_booked' },
    ['qualified_and_booked', 'qualified_booked', null, 'qualified', 1],
  ],
  [
    '"Qualified Booked " (spaces, case)',
    { qualification_status: 'Qualified Booked ' },
    ['qualified_and_booked', 'qualified_booked', null, 'qualified', 1],
  ],
  [
    'category qualified_and_booked only',
    { qualification_status: 'warm', call_outcome_category: 'qualified_and_booked' },
    ['qualified_and_booked', 'qualified_booked', 'warm', 'qualified', 1],
  ],
  [
    '"Booked " booking string',
    { qualification_status: 'hot', booking_status: 'Booked ' },
    ['qualified_and_booked', 'qualified_booked', 'hot', 'qualified', 1],
  ],
  [
    'booked wins over unqualified (first match)',
    { qualification_status: 'unqualified', booking_status: 'booked' },
    ['qualified_and_booked', 'qualified_booked', 'unqualified', 'unqualified', 1],
  ],
  [
    'unknown status but booked',
    { qualification_status: 'lukewarm', booking_status: 'booked' },
    ['qualified_and_booked', 'qualified_booked', null, 'qualified', 1],
  ],
  // Rule 2: service not offered
  [
    'hot + service_not_offered',
    { qualification_status: 'hot', booking_status: 'service_not_offered' },
    ['qualified_service_not_offered', 'qualified_service_not_offered', 'hot', 'qualified', 2],
  ],
  [
    '"Service Not Offered"',
    { qualification_status: 'warm', booking_status: 'Service Not Offered' },
    ['qualified_service_not_offered', 'qualified_service_not_offered', 'warm', 'qualified', 2],
  ],
  [
    'status qualified_service_not_offered',
    { qualification_status: 'qualified_service_not_offered' },
    ['qualified_service_not_offered', 'qualified_service_not_offered', null, 'qualified', 2],
  ],
  [
    'category qualified_service_not_offered',
    { qualification_status: 'cold', call_outcome_category: 'qualified_service_not_offered' },
    ['qualified_service_not_offered', 'qualified_service_not_offered', 'cold', 'qualified', 2],
  ],
  // Rule 3: not qualified
  [
    'Shunya unqualified',
    { qualification_status: 'unqualified' },
    ['not_qualified', 'closed_lost', 'unqualified', 'unqualified', 3],
  ],
  [
    'handoff not_qualified',
    { qualification_status: 'not_qualified' },
    ['not_qualified', 'closed_lost', 'unqualified', 'unqualified', 3],
  ],
  [
    '"Not-Qualified"',
    { qualification_status: 'Not-Qualified' },
    ['not_qualified', 'closed_lost', 'unqualified', 'unqualified', 3],
  ],
  [
    "Shunya's inconsistent customer-rep sample: unqualified + not_booked + qualified_but_unbooked → rule 3 wins",
    {
      qualification_status: 'unqualified',
      booking_status: 'not_booked',
      call_outcome_category: 'qualified_but_unbooked',
    },
    ['not_qualified', 'closed_lost', 'unqualified', 'unqualified', 3],
  ],
  // Rule 4: qualified, not booked
  [
    'hot + not_booked',
    { qualification_status: 'hot', booking_status: 'not_booked' },
    ['qualified_but_unbooked', 'qualified_unbooked', 'hot', 'qualified', 4],
  ],
  [
    'warm + "not-booked"',
    { qualification_status: 'warm', booking_status: 'not-booked' },
    ['qualified_but_unbooked', 'qualified_unbooked', 'warm', 'qualified', 4],
  ],
  [
    'hot without booking_status',
    { qualification_status: 'HOT' },
    ['qualified_but_unbooked', 'qualified_unbooked', 'hot', 'qualified', 4],
  ],
  [
    'handoff qualified_unbooked',
    { qualification_status: 'qualified_unbooked' },
    ['qualified_but_unbooked', 'qualified_unbooked', null, 'qualified', 4],
  ],
  [
    'unknown status + category qualified_but_unbooked',
    { qualification_status: 'interested', call_outcome_category: 'qualified_but_unbooked' },
    ['qualified_but_unbooked', 'qualified_unbooked', null, 'qualified', 4],
  ],
  // Rule 5: cold
  ['cold', { qualification_status: 'cold' }, ['qualified_but_unbooked', 'nurturing', 'cold', 'qualified', 5]],
  [
    'cold + not_booked',
    { qualification_status: ' Cold', booking_status: 'not_booked' },
    ['qualified_but_unbooked', 'nurturing', 'cold', 'qualified', 5],
  ],
  [
    'cold + category qualified_but_unbooked: the status matches first',
    { qualification_status: 'cold', call_outcome_category: 'qualified_but_unbooked' },
    ['qualified_but_unbooked', 'nurturing', 'cold', 'qualified', 5],
  ],
];

describe('classifyQualification (D14)', () => {
  it.each(table)('%s', (_name, input, [category, leadStatus, temperature, quality, rule]) => {
    const c = classifyQualification(input);
    expect(c).toMatchObject({
      ok: true,
      call_outcome_category: category,
      lead_status: leadStatus,
      lead_temperature: temperature,
      lead_quality: quality,
      rule,
    });
  });

  // D75: a value outside the vocabularies never makes the analysis unusable; the lead is left alone
  it.each<[string, QualificationInput, Record<string, unknown>]>([
    [
      'the lead-quality word qualified + not_booked means qualified_unbooked',
      { qualification_status: 'qualified', booking_status: 'not_booked' },
      { call_outcome_category: 'qualified_but_unbooked', lead_status: 'qualified_unbooked', rule: 4 },
    ],
    [
      'qualified + booked is rule 1',
      { qualification_status: 'Qualified', booking_status: 'booked' },
      { call_outcome_category: 'qualified_and_booked', lead_status: 'qualified_booked', unrecognised: [] },
    ],
    [
      'qualified alone says nothing about booking: the lead stays',
      { qualification_status: 'qualified' },
      {
        call_outcome_category: null,
        lead_status: null,
        lead_quality: 'qualified',
        rule: null,
        unrecognised: [],
      },
    ],
    [
      'an unrecognised status, no booking signal',
      { qualification_status: 'lukewarm' },
      {
        call_outcome_category: null,
        lead_status: null,
        lead_quality: null,
        rule: null,
        unrecognised: ['qualification_status'],
      },
    ],
    [
      'an unrecognised status, not_booked is no booking signal',
      { qualification_status: 'maybe', booking_status: 'not_booked' },
      { lead_status: null, booking_status: 'not_booked', unrecognised: ['qualification_status'] },
    ],
    [
      'an unrecognised booking status and category',
      { qualification_status: 'hot', booking_status: 'tentative', call_outcome_category: 'pending_review' },
      { lead_status: 'qualified_unbooked', unrecognised: ['booking_status', 'call_outcome_category'] },
    ],
  ])('%s', (_name, input, want) => {
    expect(classifyQualification(input)).toMatchObject({ ok: true, ...want });
  });

  it.each<[string, QualificationInput, RegExp]>([
    [
      'missing status even with a booking signal (§10.3)',
      { qualification_status: undefined, booking_status: 'booked' },
      /required/,
    ],
    ['blank status', { qualification_status: '   ' }, /required/],
    ['non-string status', { qualification_status: 3 }, /required/],
  ])('%s → not classifiable', (_name, input, problem) => {
    const c = classifyQualification(input);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.problem).toMatch(problem);
  });

  it('reports the recognised booking status, normalised', () => {
    expect(
      classifyQualification({ qualification_status: 'hot', booking_status: 'Not Booked' }),
    ).toMatchObject({
      booking_status: 'not_booked',
    });
    expect(classifyQualification({ qualification_status: 'hot', booking_status: 'sometime' })).toMatchObject({
      booking_status: null,
    });
  });
});
