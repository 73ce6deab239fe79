// normalizeCompleteAnalysis: the handoff's shape (§4.3), Shunya's nesting (D9) and §6 variations. Given → want.
// The §10.3 requirements are in analysis-required.test.ts.
import { describe, expect, it } from 'vitest';
import { normalizeCompleteAnalysis } from '../../../src/shunya/normalize/analysis.ts';
import type { CompleteAnalysis } from '../../../src/shunya/types.ts';
import { base, type Deep, withBase } from './analysis-base.ts';

const ok: [string, unknown, Deep<CompleteAnalysis>][] = [
  // Sentiment (§6.4, D18)
  ['top-level sentiment_score', withBase({ sentiment_score: 0.7 }), { sentiment_score: 0.7 }],
  [
    'sentiment → sentiment_score',
    withBase({ sentiment_score: undefined, sentiment: 0.3 }),
    { sentiment_score: 0.3 },
  ],
  [
    'sentiment {score}',
    withBase({ sentiment_score: undefined, sentiment: { score: '0.4' } }),
    { sentiment_score: 0.4 },
  ],
  [
    'sentiment_analysis.score',
    withBase({ sentiment_score: undefined, sentiment_analysis: { score: 0.6 } }),
    { sentiment_score: 0.6 },
  ],
  [
    'summary.sentiment_score (Shunya)',
    withBase({ sentiment_score: undefined, summary: { summary: 's', sentiment_score: 0.75 } }),
    { sentiment_score: 0.75 },
  ],
  [
    'top level wins over summary',
    withBase({ sentiment_score: 0.1, summary: { summary: 's', sentiment_score: 0.9 } }),
    { sentiment_score: 0.1 },
  ],
  [
    'an invalid top level falls through',
    withBase({ sentiment_score: 'positive', summary: { summary: 's', sentiment_score: 0.9 } }),
    { sentiment_score: 0.9 },
  ],
  [
    'sentiment 0 is a value',
    withBase({ sentiment_score: 0, summary: { summary: 's', sentiment_score: 0.9 } }),
    { sentiment_score: 0 },
  ],
  ['a percentage sentiment', withBase({ sentiment_score: '70' }), { sentiment_score: 0.7 }],
  // Compliance (D8)
  [
    'compliance 0–1 → ×10',
    withBase({ compliance: { compliance_score: 0.85 } }),
    { compliance: { compliance_score: 8.5 } },
  ],
  [
    'compliance 0–10 kept',
    withBase({ compliance: { compliance_score: 8.5 } }),
    { compliance: { compliance_score: 8.5 } },
  ],
  [
    'compliance 1 is a fraction → 10',
    withBase({ compliance: { compliance_score: 1 } }),
    { compliance: { compliance_score: 10 } },
  ],
  [
    'compliance 0 is a value',
    withBase({ compliance: { compliance_score: 0 } }),
    { compliance: { compliance_score: 0 } },
  ],
  [
    'compliance percentage → ÷10',
    withBase({ compliance: { compliance_score: 85 } }),
    { compliance: { compliance_score: 8.5 } },
  ],
  [
    'compliance as a string',
    withBase({ compliance: { compliance_score: '0.92' } }),
    { compliance: { compliance_score: 9.2 } },
  ],
  [
    'recommendations as strings and coaching tips (§6.5)',
    withBase({
      compliance: {
        compliance_score: 7,
        recommendations: [
          'Ask for referral',
          { tip: 'Set agenda earlier', priority: 'HIGH', category: 'sales_process', timestamp: '5.2' },
          3,
          null,
        ],
      },
    }),
    {
      compliance: {
        recommendations: [
          { tip: 'Ask for referral', priority: null, category: null, timestamp: null },
          { tip: 'Set agenda earlier', priority: 'high', category: 'sales_process', timestamp: 5.2 },
          { tip: '3', priority: null, category: null, timestamp: null },
        ],
      },
    },
  ],
  // Objections (§6.3)
  ['an empty objection list is fine', base(), { objections: [] }],
  [
    'objections as a bare list, objection/category names, ordered by timestamp',
    withBase({
      objections: [
        { objection: 'Later one', category: 'Timing', timestamp: 90, severity: 'Low' },
        { objection_text: 'No time given' },
        {
          objection: 'Earlier one',
          category_text: 'Price/Budget',
          category_id: '1',
          timestamp: '12.5',
          overcome: 'true',
        },
        { category: 'no text: dropped' },
      ],
    }),
    {
      objections: [
        {
          objection_text: 'Earlier one',
          category_text: 'Price/Budget',
          category_id: 1,
          timestamp: 12.5,
          overcome: true,
        },
        { objection_text: 'Later one', category_text: 'Timing', timestamp: 90, severity: 'low' },
        { objection_text: 'No time given', timestamp: null },
      ],
    },
  ],
  [
    "the handoff's category name Pricing is Shunya's Price/Budget (D8)",
    withBase({
      objections: {
        objections: [{ objection_text: 'Too pricey', category_text: 'Pricing ', category_id: 1 }],
      },
    }),
    { objections: [{ objection_text: 'Too pricey', category_text: 'Price/Budget', category_id: 1 }] },
  ],
  // Summary
  [
    'summary as a string',
    withBase({ summary: 'Just text' }),
    { summary: { summary: 'Just text', key_points: [], action_items: [], next_steps: [] } },
  ],
  [
    'action items as coaching tips',
    withBase({
      summary: { summary: 's', action_items: ['Call back', { tip: 'Send quote', priority: 'high' }] },
    }),
    { summary: { action_items: ['Call back', 'Send quote'] } },
  ],
  // Pending actions (D9, §6.7)
  [
    'pending actions from both places, merged, de-duplicated and ordered',
    withBase({
      pending_actions: [
        { action: 'Send quote via email', due_at: '2025-01-16T10:00:00Z', priority: 'high' },
        { action: 'Undated low', priority: 'low' },
        { action: 'Undated high', priority: 'high' },
        { action: 'Same day, medium', due_at: '2025-01-15T10:00:00Z', priority: 'medium' },
      ],
      summary: {
        summary: 's',
        pending_actions: [
          {
            type: 'send_quote',
            raw_text: 'send quote via EMAIL',
            due_at: '2025-01-16T10:00:00.000Z',
            contact_method: 'email',
            confidence: 0.9,
          },
          { type: 'schedule_appointment', due_at: '2025-01-15T10:00:00Z', contact_method: 'In-Person' },
          { type: 'invented_type' },
          { due_at: '2025-01-01T00:00:00Z' },
        ],
      },
    }),
    {
      pending_actions: [
        { action: 'Same day, medium', due_at: '2025-01-15T10:00:00Z', priority: 'medium', action_type: null },
        {
          action: 'Schedule appointment',
          action_type: 'schedule_appointment',
          contact_method: 'in_person',
          raw_text: null,
        },
        {
          action: 'Send quote via email',
          action_type: 'send_quote',
          priority: 'high',
          contact_method: 'email',
          confidence: 0.9,
          raw_text: 'send quote via EMAIL',
        },
        { action: 'Undated high', priority: 'high' },
        { action: 'Undated low', priority: 'low' },
        { action: 'Invented type', action_type: null },
      ],
    },
  ],
  // Missed opportunities (D9)
  [
    'missed opportunities from the top level and opportunity_analysis, impact → severity',
    withBase({
      missed_opportunities: [{ opportunity: 'Did not ask for referral', severity: 'medium', timestamp: 300 }],
      opportunity_analysis: {
        missed_opportunities: [
          { type: 'cross_sell', description: 'Gutters', impact: 'High', suggestion: 'Offer a bundle' },
          { type: 'upsell' },
        ],
      },
    }),
    {
      missed_opportunities: [
        {
          description: 'Did not ask for referral',
          severity: 'medium',
          timestamp: 300,
          type: null,
          suggestion: null,
        },
        {
          description: 'Gutters',
          severity: 'high',
          type: 'cross_sell',
          suggestion: 'Offer a bundle',
          timestamp: null,
        },
      ],
    },
  ],
  // Appointment fields (D9, D18)
  [
    'appointment under qualification wins',
    withBase({
      qualification: {
        qualification_status: 'hot',
        booking_status: 'booked',
        appointment_date: '2025-12-09T14:00:00Z',
        appointment_type: 'In Person',
        appointment_confirmed: 'yes',
      },
      entities: { appointment_date: '2030-01-01T00:00:00Z' },
    }),
    {
      qualification: {
        appointment_date: '2025-12-09T14:00:00Z',
        appointment_type: 'in-person',
        appointment_confirmed: true,
      },
    },
  ],
  [
    'else entities.appointment_date',
    withBase({ entities: { appointment_date: '2025-01-20T14:00:00Z' } }),
    { qualification: { appointment_date: '2025-01-20T14:00:00Z' } },
  ],
  [
    'else entities.scheduled_time',
    withBase({ entities: { scheduled_time: '2025-01-21T09:00:00Z' } }),
    { qualification: { appointment_date: '2025-01-21T09:00:00Z' } },
  ],
  [
    'an unreadable date is not a date',
    withBase({ entities: { appointment_date: 'next Tuesday' } }),
    { qualification: { appointment_date: null } },
  ],
  // Qualification block
  [
    'BANT and scores as strings; 0 kept',
    withBase({
      qualification: {
        qualification_status: 'warm',
        bant_scores: { budget: '0', authority: 0.5, need: 80, timeline: 'soon' },
        overall_score: 0,
      },
    }),
    {
      qualification: {
        bant_scores: { budget: 0, authority: 0.5, need: 0.8, timeline: null },
        overall_score: 0,
        lead_status: 'qualified_unbooked',
      },
    },
  ],
  [
    'booking status implied by the handoff vocabulary',
    withBase({ qualification: { qualification_status: 'qualified_booked' } }),
    {
      qualification: {
        qualification_status: 'qualified_booked',
        booking_status: 'booked',
        call_outcome_category: 'qualified_and_booked',
        lead_status: 'qualified_booked',
        lead_quality: 'qualified',
        lead_temperature: null,
      },
    },
  ],
  [
    'status kept as sent, trimmed',
    withBase({ qualification: { qualification_status: ' Not-Qualified ' } }),
    { qualification: { qualification_status: 'Not-Qualified', lead_status: 'closed_lost' } },
  ],
  // Meeting outcome
  ['outcome "Won "', withBase({ outcome: 'Won ' }), { outcome: 'won' }],
  ['outcome "No Show"', withBase({ outcome: 'No Show' }), { outcome: 'no_show' }],
  ['outcome "no-show"', withBase({ outcome: 'no-show' }), { outcome: 'no_show' }],
  ['outcome closed_won', withBase({ outcome: 'closed_won' }), { outcome: 'won' }],
  ['outcome closed_lost', withBase({ outcome: 'closed_lost' }), { outcome: 'lost' }],
  ['outcome pending', withBase({ outcome: 'PENDING' }), { outcome: 'pending' }],
  ['outcome rescheduled', withBase({ outcome: 'Rescheduled' }), { outcome: 'rescheduled' }],
  ['an unknown outcome is null', withBase({ outcome: 'maybe later' }), { outcome: null }],
  // Ids
  ['ids', withBase({ call_id: '123', task_id: 'job_9' }), { call_id: 123, job_id: 'job_9' }],
];

describe('normalizeCompleteAnalysis', () => {
  it.each(ok)('%s', (_name, given, want) => {
    const r = normalizeCompleteAnalysis(given);
    if (!r.ok) expect.fail(r.problems.join('; '));
    expect(r.value).toMatchObject(want);
  });
});
