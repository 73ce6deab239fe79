// Canonical (normalised) Shunya results for tests that start after normalisation.
import { SEGMENTATION } from '../../scripts/fuzz/segmentation.ts';
import type { CompleteAnalysis, Segmentation, Transcript } from '../../src/shunya/types.ts';

export function buildTranscript(overrides: Partial<Transcript> = {}): Transcript {
  return {
    call_id: 12345,
    transcript_id: 67890,
    task_id: 'task-1',
    transcript_text: 'Hello, this is John from ABC Roofing. Hi, I need a quote for roof repair.',
    speaker_labels: [
      {
        speaker: 'rep',
        text: 'Hello, this is John from ABC Roofing.',
        start_time: 0,
        end_time: 3.2,
        confidence: 0.97,
      },
      {
        speaker: 'customer',
        text: 'Hi, I need a quote for roof repair.',
        start_time: 3.2,
        end_time: 6.1,
        confidence: 0.95,
      },
    ],
    confidence_score: 0.95,
    language: 'en-US',
    word_count: 15,
    duration_seconds: 6.1,
    ...overrides,
  };
}

export function buildAnalysis(overrides: Partial<CompleteAnalysis> = {}): CompleteAnalysis {
  return {
    call_id: 12345,
    job_id: 'job-1',
    qualification: {
      qualification_status: 'hot',
      lead_temperature: 'hot',
      booking_status: 'booked',
      call_outcome_category: 'qualified_and_booked',
      lead_status: 'qualified_booked',
      lead_quality: 'qualified',
      bant_scores: { budget: 0.8, authority: 0.7, need: 0.9, timeline: 0 },
      overall_score: 0.6,
      confidence_score: 0.85,
      decision_makers: ['Jane Doe'],
      urgency_signals: ['roof leak'],
      budget_indicators: [],
      appointment_confirmed: true,
      appointment_date: '2025-01-20T14:00:00.000Z',
      appointment_type: 'in-person',
      service_requested: 'Roof Repair',
    },
    objections: [
      {
        objection_text: 'That seems expensive',
        category_id: 1,
        category_text: 'Price/Budget',
        severity: 'high',
        overcome: false,
        timestamp: 45.5,
        speaker_id: 'customer',
        response_suggestions: ['Discuss payment plans'],
        confidence_score: 0.9,
      },
    ],
    compliance: {
      compliance_score: 8.5,
      stages_followed: ['connect', 'agenda'],
      stages_missed: ['close'],
      violations: [],
      positive_behaviors: ['Empathy'],
      recommendations: [{ tip: 'Ask for referral', priority: 'medium', category: null, timestamp: null }],
    },
    summary: {
      summary: 'Customer called about roof repair. Appointment booked.',
      key_points: [],
      action_items: [],
      next_steps: [],
    },
    sentiment_score: 0,
    pending_actions: [
      {
        action: 'Send quote via email',
        action_type: 'send_quote',
        due_at: '2025-01-16T10:00:00.000Z',
        priority: 'high',
        contact_method: 'email',
        confidence: 0.9,
        raw_text: null,
      },
    ],
    missed_opportunities: [
      {
        description: 'Did not ask for referral',
        type: null,
        severity: 'medium',
        timestamp: 300,
        suggestion: null,
      },
    ],
    entities: {
      address: '123 Main St, Springfield, IL 62701',
      appointment_date: null,
      scheduled_time: null,
      name: 'Jane Doe',
      phone: null,
      email: null,
    },
    outcome: null,
    visit_actions: [],
    unmapped_values: [],
    ...overrides,
  };
}

export function buildSegmentation(overrides: Partial<Segmentation> = {}): Segmentation {
  return { ...structuredClone(SEGMENTATION), ...overrides };
}
