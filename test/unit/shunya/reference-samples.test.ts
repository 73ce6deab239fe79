// Every ```json sample of Shunya's reference notes (shunya-webhooks-and-payloads.md, extracted into
// test/fixtures/shunya-reference/, D185): each one normalises as expected. Schematic blocks (comments,
// `"a" | "b"` unions) are repaired to their first alternative and checked too; the counts are asserted
// so a changed document cannot silently skip samples.
import { describe, expect, it } from 'vitest';
import { normalizeCompleteAnalysis } from '../../../src/shunya/normalize/analysis.ts';
import { normalizeError } from '../../../src/shunya/normalize/error.ts';
import { normalizeSegmentation } from '../../../src/shunya/normalize/segmentation.ts';
import { normalizeTranscript } from '../../../src/shunya/normalize/transcript.ts';
import { normalizeWebhook } from '../../../src/shunya/normalize/webhook.ts';
import { toRemoteJobStatus } from '../../../src/shunya/results.ts';
import { jsonBlocks, REFERENCE_PAYLOADS, repairSchematic } from './fixtures.ts';

const blocks = jsonBlocks(REFERENCE_PAYLOADS);
const ctx = { ottoRequestId: 'r', endpoint: 'GET /x', status: 200 };

/** What each block is, by its index in the document, and what it must normalise to. */
const expectations: Record<number, { about: RegExp; check: (v: unknown) => void }> = {
  0: {
    about: /Webhook Payload Structure/,
    check: (v) =>
      expect(normalizeWebhook(v)).toMatchObject({
        ok: true,
        value: {
          profile: 'handoff',
          shunya_job_id: 'shunya_job_12345',
          status: 'completed',
          company_id: 'company_abc123',
        },
      }),
  },
  1: {
    about: /Example 1: Transcription Complete/,
    check: (v) => {
      const w = normalizeWebhook(v);
      expect(w).toMatchObject({
        ok: true,
        value: {
          profile: 'shunya',
          kind: 'transcription',
          status: 'completed',
          shunya_job_id: 'call_123_company_abc_transcription',
          call_id: 123,
          company_id: 'company_abc',
        },
      });
      const t = normalizeTranscript(w.ok ? w.value.result : null);
      expect(t).toMatchObject({
        ok: true,
        value: {
          transcript_text: 'Hello, this is a test call...',
          word_count: 150,
          confidence_score: 0.95,
          speaker_labels: [
            { speaker: 'SPEAKER_01', start_time: 0, end_time: 2.5 },
            { speaker: 'SPEAKER_02', start_time: 2.5, end_time: 5 },
          ],
        },
      });
    },
  },
  2: {
    about: /Example 2: Analysis Complete/,
    check: (v) => {
      const w = normalizeWebhook(v);
      expect(w).toMatchObject({ ok: true, value: { kind: 'analysis', status: 'completed', call_id: 123 } });
      const a = normalizeCompleteAnalysis(w.ok ? w.value.result : null);
      if (!a.ok) expect.fail(a.problems.join('; '));
      expect(a.value).toMatchObject({
        qualification: {
          qualification_status: 'hot',
          lead_temperature: 'hot',
          booking_status: 'booked',
          call_outcome_category: 'qualified_and_booked',
          lead_status: 'qualified_booked',
          appointment_type: 'in-person',
          appointment_date: '2025-12-09T10:00:00Z',
        },
        compliance: { compliance_score: 8.5, stages_missed: ['Closing'] },
        sentiment_score: 0.7,
        objections: [
          { objection_text: 'The price seems too high', category_text: 'Price/Budget', timestamp: 120.5 },
        ],
        pending_actions: [
          {
            action: 'Customer wants appointment tomorrow',
            action_type: 'schedule_appointment',
            contact_method: 'phone',
            confidence: 0.92,
            due_at: '2025-12-09T10:00:00Z',
          },
        ],
      });
    },
  },
  3: {
    about: /Example 3: Analysis Failed/,
    check: (v) =>
      expect(normalizeWebhook(v)).toMatchObject({
        ok: true,
        value: {
          kind: 'analysis',
          status: 'failed',
          error: {
            error_code: 'ANALYSIS_FAILED',
            error_type: 'server_error',
            retryable: true,
            request_id: 'req_abc123',
          },
        },
      }),
  },
  4: {
    about: /Standard Error Response Structure/,
    check: (v) =>
      expect(normalizeError(v, 400)).toMatchObject({
        error_code: 'MACHINE_READABLE_CODE',
        message: 'Human-readable error message',
        retryable: true,
      }),
  },
  5: {
    about: /Example 1: Validation Error/,
    check: (v) =>
      expect(normalizeError(v, 400)).toMatchObject({
        error_code: 'VALIDATION_ERROR',
        error_type: 'client_error',
        retryable: false,
      }),
  },
  6: {
    about: /Example 2: Resource Not Found/,
    check: (v) =>
      expect(normalizeError(v, 404)).toMatchObject({
        error_code: 'CALL_NOT_FOUND',
        error_type: 'client_error',
        retryable: false,
      }),
  },
  7: {
    about: /Example 3: Analysis Failed \(Retryable\)/,
    check: (v) =>
      expect(normalizeError(v, 500)).toMatchObject({
        error_code: 'ANALYSIS_FAILED',
        error_type: 'server_error',
        retryable: true,
      }),
  },
  8: {
    about: /Example 4: Permission Denied/,
    check: (v) =>
      expect(normalizeError(v, 403)).toMatchObject({
        error_code: 'PERMISSION_DENIED',
        error_type: 'authentication_error',
        retryable: false,
      }),
  },
  9: {
    about: /Example 5: Rate Limit Exceeded/,
    check: (v) =>
      expect(normalizeError(v, 429)).toMatchObject({
        error_code: 'RATE_LIMIT_EXCEEDED',
        error_type: 'rate_limit_error',
        retryable: true,
        details: { retry_after: 3600 },
      }),
  },
  10: {
    about: /Response Structure/,
    // Its sections are placeholders ({}): incomplete, and said so.
    check: (v) => expect(normalizeCompleteAnalysis(v)).toMatchObject({ ok: false }),
  },
  11: {
    about: /Sample Payload: Sales Rep Role/,
    check: (v) => {
      const a = normalizeCompleteAnalysis(v);
      if (!a.ok) expect.fail(a.problems.join('; '));
      expect(a.value).toMatchObject({
        call_id: 123,
        sentiment_score: 0.75,
        compliance: {
          compliance_score: 8.5,
          recommendations: [
            { tip: 'Practice closing techniques' },
            { tip: 'Ask for commitment more directly' },
          ],
        },
        qualification: {
          qualification_status: 'hot',
          call_outcome_category: 'qualified_and_booked',
          lead_status: 'qualified_booked',
          appointment_confirmed: true,
          appointment_date: '2025-12-09T14:00:00Z',
          service_requested: 'Roof Repair',
          bant_scores: { budget: 0.85, authority: 0.9, need: 0.95, timeline: 0.8 },
        },
        objections: [
          { timestamp: 180.5, overcome: true },
          { timestamp: 240, category_text: 'Decision Authority' },
        ],
        pending_actions: [
          { action_type: 'schedule_appointment', due_at: '2025-12-09T14:00:00Z' },
          { action_type: 'send_estimate', contact_method: 'email' },
        ],
        missed_opportunities: [
          {
            type: 'cross_sell',
            severity: 'medium',
            suggestion: 'During inspection, assess gutter condition and offer bundle pricing',
          },
        ],
      });
    },
  },
  12: {
    about: /Sample Payload: Customer Rep Role/,
    check: (v) => {
      const a = normalizeCompleteAnalysis(v);
      if (!a.ok) expect.fail(a.problems.join('; '));
      // D14: unqualified wins over Shunya's inconsistent call_outcome_category qualified_but_unbooked.
      expect(a.value).toMatchObject({
        sentiment_score: 0.85,
        compliance: { compliance_score: 9.2 },
        qualification: {
          qualification_status: 'unqualified',
          booking_status: 'not_booked',
          call_outcome_category: 'not_qualified',
          lead_status: 'closed_lost',
          lead_quality: 'unqualified',
          overall_score: 0,
          bant_scores: { budget: 0, authority: 0, need: 0, timeline: 0 },
          appointment_confirmed: false,
        },
        missed_opportunities: [],
      });
    },
  },
  13: {
    about: /Request Payload/,
    // A request, not a result: it is no segmentation.
    check: (v) => expect(normalizeSegmentation(v)).toMatchObject({ ok: false }),
  },
  14: {
    about: /Response Payload/,
    check: (v) =>
      expect(normalizeSegmentation(v)).toMatchObject({
        ok: true,
        value: {
          call_id: 789,
          part1: { duration: 900 },
          part2: { start_time: 900 },
          transition_point: 900,
          segmentation_confidence: 0.92,
          meeting_structure_score: 4,
          outcome: null,
        },
      }),
  },
  15: {
    about: /Status Endpoint Response/,
    check: (v) => expect(toRemoteJobStatus(v, ctx)).toEqual({ state: 'completed', error: null }),
  },
  16: {
    about: /Request Payload/,
    // Ask Otto is not part of this integration: every normaliser refuses it without throwing.
    check: (v) => {
      expect(normalizeCompleteAnalysis(v).ok).toBe(false);
      expect(normalizeTranscript(v).ok).toBe(false);
      expect(normalizeSegmentation(v).ok).toBe(false);
    },
  },
  17: {
    about: /Response Payload/,
    check: (v) => {
      expect(normalizeCompleteAnalysis(v).ok).toBe(false);
      expect(normalizeWebhook(v).ok).toBe(false);
    },
  },
};

describe("Shunya's reference payload samples", () => {
  it('has the samples this test knows (14 JSON, 4 schematic)', () => {
    expect(blocks.filter((b) => b.value !== undefined)).toHaveLength(14);
    expect(blocks.filter((b) => b.value === undefined).map((b) => b.index)).toEqual([0, 4, 10, 13]);
    expect(Object.keys(expectations).map(Number)).toEqual(blocks.map((b) => b.index));
  });

  it.each(blocks.map((b) => [b.index, b.heading, b] as const))(
    'block %i (%s) normalises as expected',
    (index, _heading, b) => {
      const e = expectations[index];
      if (!e) return expect.fail(`no expectation for block ${index}`);
      expect(b.heading).toMatch(e.about);
      e.check(b.value === undefined ? repairSchematic(b.text) : b.value);
    },
  );
});
