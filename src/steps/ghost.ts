// Ghost mode (§3.2, D30, D87): Otto stores no text of the visit's conversation. D30 keeps the transcript
// itself out; but Shunya's analysis carries the conversation too: objections quote the customer, pending
// and visit actions carry the raw words, segment key points and transition indicators quote either side, and its
// prose (summary, descriptions, tips) may repeat a sentence verbatim (the simulator's summaries do). Once
// the transcript is gone Otto cannot tell a quote from a paraphrase, so for a ghost visit it keeps the
// analysis's structured judgments only: outcome, scores, categories, severities, SOP stages, times and
// counts. Free text is replaced by a label derived from its category or type, or dropped; the entities
// Shunya extracted (name, phone, e-mail, address) are dropped.
import type {
  CompleteAnalysis,
  MissedOpportunity,
  OperationKind,
  PendingAction,
  Segmentation,
} from '../shunya/types.ts';
import type { StageResult } from './apply.ts';

export const GHOST_NOTE = 'Not stored: ghost mode';

const label = (type: string | null, fallback: string) =>
  type ? `${type.charAt(0).toUpperCase()}${type.slice(1).replace(/_/g, ' ')}` : fallback;

const action = (a: PendingAction): PendingAction => ({
  ...a,
  action: label(a.action_type, 'Follow up'),
  raw_text: null,
});

const missed = (m: MissedOpportunity): MissedOpportunity => ({
  ...m,
  description: label(m.type, 'Missed opportunity'),
  suggestion: null,
});

function analysis(a: CompleteAnalysis): CompleteAnalysis {
  return {
    ...a,
    qualification: {
      ...a.qualification,
      decision_makers: [],
      urgency_signals: [],
      budget_indicators: [],
      service_requested: null,
    },
    objections: a.objections.map((o) => ({
      ...o,
      objection_text: o.category_text ?? 'Objection',
      response_suggestions: [],
    })),
    compliance: { ...a.compliance, violations: [], positive_behaviors: [], recommendations: [] },
    summary: { summary: GHOST_NOTE, key_points: [], action_items: [], next_steps: [] },
    pending_actions: a.pending_actions.map(action),
    visit_actions: a.visit_actions.map(action),
    missed_opportunities: a.missed_opportunities.map(missed),
    entities: { ...a.entities, name: null, phone: null, email: null, address: null },
  };
}

const segmentation = (s: Segmentation): Segmentation => ({
  ...s,
  part1: { ...s.part1, content: null, key_points: [] },
  part2: { ...s.part2, content: null, key_points: [] },
  transition_indicators: [],
});

/** A ghost visit's stage result as Otto may store it: no text of the conversation (transcripts never). */
export function withoutConversation(kind: OperationKind, value: StageResult): StageResult {
  if (kind === 'analysis') return analysis(value as CompleteAnalysis);
  if (kind === 'segmentation') return segmentation(value as Segmentation);
  return value;
}
