// normalizeCompleteAnalysis and §10.3: what an analysis must carry, else `ok: false` and nothing surfaced;
// what was missing or defaulted; and the handoff's own §4.3 example.
import { describe, expect, it } from 'vitest';
import { normalizeCompleteAnalysis } from '../../../src/shunya/normalize/analysis.ts';
import { withBase } from './analysis-base.ts';
import { handoffBlocks } from './fixtures.ts';

const incomplete: [string, unknown, RegExp][] = [
  ['no qualification', withBase({ qualification: undefined }), /qualification_status is required/],
  [
    'no qualification_status',
    withBase({ qualification: { booking_status: 'booked' } }),
    /qualification_status is required/,
  ],
  ['no objections', withBase({ objections: undefined }), /objections.objections is required/],
  [
    'objections without the list',
    withBase({ objections: { total_count: 0 } }),
    /objections.objections is required/,
  ],
  [
    'objections not a list',
    withBase({ objections: { objections: 'none' } }),
    /objections.objections is required/,
  ],
  ['no compliance score', withBase({ compliance: { stages_followed: [] } }), /compliance_score is required/],
  [
    'a negative compliance score',
    withBase({ compliance: { compliance_score: -1 } }),
    /compliance_score is required/,
  ],
  [
    'a compliance score above 100',
    withBase({ compliance: { compliance_score: 150 } }),
    /compliance_score is required/,
  ],
  ['no sentiment anywhere', withBase({ sentiment_score: undefined }), /sentiment score is required/],
  ['sentiment out of range', withBase({ sentiment_score: 140 }), /sentiment score is required/],
  ['no summary text', withBase({ summary: { key_points: ['x'] } }), /summary.summary is required/],
  ['blank summary', withBase({ summary: '  ' }), /summary.summary is required/],
  ['status pending', withBase({ status: 'pending' }), /status is "pending"/],
  ['an error envelope', withBase({ success: false }), /error envelope/],
  ['not an object', 'analysis', /not a JSON object/],
];

describe('normalizeCompleteAnalysis: required fields (§10.3)', () => {
  it.each(incomplete)('%s → incomplete, nothing surfaced', (_name, given, problem) => {
    const r = normalizeCompleteAnalysis(given);
    expect(r.ok).toBe(false);
    expect(r).not.toHaveProperty('value');
    if (!r.ok) expect(r.problems.join('\n')).toMatch(problem);
  });

  it('lists every §10.3 problem at once', () => {
    const r = normalizeCompleteAnalysis({});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toHaveLength(5);
  });

  it('notes absent, invalid and defaulted fields', () => {
    const r = normalizeCompleteAnalysis(
      withBase({ qualification: { qualification_status: 'hot', overall_score: 'x' }, outcome: 'maybe' }),
    );
    expect(r.missing).toEqual(
      expect.arrayContaining([
        'qualification.overall_score (invalid)',
        'outcome (invalid)',
        'entities',
        'call_id',
      ]),
    );
    expect(r.defaulted).toEqual(
      expect.arrayContaining([
        'summary.key_points',
        'compliance.stages_followed',
        'qualification.decision_makers',
      ]),
    );
  });

  it("normalises the handoff's §4.3 example", () => {
    const [sample] = handoffBlocks('4.3');
    const r = normalizeCompleteAnalysis(sample);
    if (!r.ok) expect.fail(r.problems.join('; '));
    expect(r.value).toMatchObject({
      call_id: 12345,
      job_id: 'shunya_job_12345',
      qualification: {
        qualification_status: 'qualified_booked',
        booking_status: 'booked',
        call_outcome_category: 'qualified_and_booked',
        lead_status: 'qualified_booked',
        bant_scores: { budget: 0.8, authority: 0.7, need: 0.9, timeline: 0.6 },
        decision_makers: ['John Smith'],
        appointment_date: '2025-01-20T14:00:00Z',
      },
      objections: [
        {
          objection_text: 'That seems expensive',
          category_text: 'Price/Budget', // the handoff's "Pricing" (D8)
          severity: 'medium',
          timestamp: 45.5,
        },
      ],
      compliance: {
        compliance_score: 8.5,
        stages_missed: ['ask', 'close'],
        recommendations: [{ tip: 'Ask for referral' }, { tip: 'Set follow-up appointment' }],
      },
      summary: { next_steps: ['Schedule inspection', 'Prepare quote'] },
      sentiment_score: 0.7,
      pending_actions: [{ action: 'Send quote via email', due_at: '2025-01-16T10:00:00Z', priority: 'high' }],
      missed_opportunities: [{ description: 'Did not ask for referral', severity: 'medium', timestamp: 300 }],
      entities: { address: '123 Main St, City, State 12345', email: 'john@example.com' },
      outcome: null,
    });
  });
});
