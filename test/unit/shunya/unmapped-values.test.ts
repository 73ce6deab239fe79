// Issue 11 items 1 and 2 at the normaliser: a complete analysis is never thrown away for an enumeration
// value outside Otto's vocabularies (D75), and a sales visit's visit_actions are read in both of Shunya's
// shapes and places (D76).
import { describe, expect, it } from 'vitest';
import { normalizeCompleteAnalysis } from '../../../src/shunya/normalize/analysis.ts';
import { normalizeSegmentation } from '../../../src/shunya/normalize/segmentation.ts';
import { withBase } from './analysis-base.ts';

describe('values outside the vocabularies (D75)', () => {
  it('keeps a complete analysis whose qualification is "qualified" + not_booked, mapped to qualified_unbooked', () => {
    const r = normalizeCompleteAnalysis(
      withBase({ qualification: { qualification_status: 'qualified', booking_status: 'not_booked' } }),
    );
    if (!r.ok) expect.fail(r.problems.join('; '));
    expect(r.value.qualification).toMatchObject({
      qualification_status: 'qualified',
      call_outcome_category: 'qualified_but_unbooked',
      lead_status: 'qualified_unbooked',
      lead_quality: 'qualified',
    });
    expect(r.value.unmapped_values).toEqual([]);
  });

  it('stores every enumeration value it cannot map, as received, and still surfaces the result', () => {
    const r = normalizeCompleteAnalysis(
      withBase({
        qualification: {
          qualification_status: 'Lukewarm',
          booking_status: 'tentative',
          call_outcome_category: 'needs_review',
          appointment_type: 'carrier pigeon',
        },
        objections: {
          objections: [
            { objection_text: 'Too pricey', category_text: 'Pricing', severity: 'medium' },
            { objection_text: 'My cousin does roofs', category_text: 'Family', severity: 'critical' },
          ],
        },
        compliance: { compliance_score: 0.8, recommendations: [{ tip: 'Ask earlier', priority: 'asap' }] },
        summary: {
          summary: 'A call.',
          pending_actions: [
            { type: 'send_fax', raw_text: 'Fax the quote', contact_method: 'fax', priority: 'soon' },
          ],
        },
        missed_opportunities: [{ opportunity: 'No upsell', severity: 'huge' }],
        opportunity_analysis: {
          missed_opportunities: [{ type: 'warranty', description: 'No warranty pitch' }],
        },
        outcome: 'maybe later',
      }),
    );
    if (!r.ok) expect.fail(r.problems.join('; '));
    const a = r.value;
    expect(a.qualification).toMatchObject({
      qualification_status: 'Lukewarm',
      booking_status: null,
      call_outcome_category: null,
      lead_status: null,
      lead_quality: null,
      appointment_type: null,
    });
    expect(a.objections.map((o) => [o.category_text, o.severity])).toEqual([
      ['Price/Budget', 'medium'],
      ['Family', null],
    ]);
    expect(a.pending_actions).toMatchObject([{ action: 'Fax the quote', action_type: null }]);
    expect(a.outcome).toBeNull();
    expect(a.unmapped_values.map((u) => [u.field, u.value])).toEqual(
      expect.arrayContaining([
        ['qualification.qualification_status', 'Lukewarm'],
        ['qualification.booking_status', 'tentative'],
        ['qualification.call_outcome_category', 'needs_review'],
        ['qualification.appointment_type', 'carrier pigeon'],
        ['objection.category', 'Family'],
        ['objection.severity', 'critical'],
        ['coaching_tip.priority', 'asap'],
        ['pending_action.action_type', 'send_fax'],
        ['pending_action.contact_method', 'fax'],
        ['pending_action.priority', 'soon'],
        ['missed_opportunity.severity', 'huge'],
        ['missed_opportunity.type', 'warranty'],
        ['outcome', 'maybe later'],
      ]),
    );
    expect(a.unmapped_values).toHaveLength(13);
    expect(a.unmapped_values.find((u) => u.value === 'critical')?.path).toBe(
      'objections.objections[1].severity',
    );
  });

  it('a category id without a name names one of the ten', () => {
    const r = normalizeCompleteAnalysis(
      withBase({ objections: { objections: [{ objection_text: 'Later', category_id: 2 }] } }),
    );
    if (!r.ok) expect.fail(r.problems.join('; '));
    expect(r.value.objections[0]?.category_text).toBe('Timing');
  });

  it('a missing qualification_status is still incomplete (§10.3)', () => {
    expect(normalizeCompleteAnalysis(withBase({ qualification: { booking_status: 'booked' } })).ok).toBe(
      false,
    );
  });

  it("flags a segmentation's unknown outcome", () => {
    const part = { start_time: 0, end_time: 1, content: 'x' };
    const r = normalizeSegmentation({ part1: part, part2: part, outcome: 'undecided' });
    if (!r.ok) expect.fail(r.problems.join('; '));
    expect(r.value.outcome).toBeNull();
    expect(r.value.unmapped_values).toEqual([{ field: 'outcome', path: 'outcome', value: 'undecided' }]);
  });
});

describe('visit actions (D76)', () => {
  it('reads visit_actions at the top level and under summary, in the handoff and Shunya shapes, once each', () => {
    const r = normalizeCompleteAnalysis(
      withBase({
        visit_actions: [
          { action: 'Send the signed contract', due_at: '2025-01-16T10:00:00Z', priority: 'high' },
          { type: 'measurement', due_at: '2025-01-17T09:00:00Z', raw_text: 'Measure the back windows' },
        ],
        summary: {
          summary: 'A visit.',
          visit_actions: [
            // the same action as the first one, in Shunya's shape: merged
            { type: 'send_contract', due_at: '2025-01-16T10:00:00Z', raw_text: 'send the signed contract' },
            { type: 'setup_financing', due_at: '2025-01-18T09:00:00Z', contact_method: 'email' },
          ],
        },
      }),
    );
    if (!r.ok) expect.fail(r.problems.join('; '));
    expect(r.value.visit_actions).toMatchObject([
      { action: 'Send the signed contract', action_type: 'send_contract', priority: 'high' },
      { action: 'Measure the back windows', action_type: 'measurement' },
      { action: 'Setup financing', action_type: 'setup_financing', contact_method: 'email' },
    ]);
    expect(r.value.pending_actions).toEqual([]);
  });
});
