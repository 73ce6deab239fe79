// The content of a call, generated lazily and cached (a bounded LRU): its transcript (§6.1), complete
// analysis (§4.3) and meeting segmentation (§6.2), all derived from one plan. A call's content is a pure
// function of its inputs, so a finished job keeps only those and renders on read; the cache holds the
// last 256 calls (about 27 kB each), enough for a call's webhook and its GET a moment later (D370).
import type { components } from '../../generated/shunya/schema.d.ts';
import type { components as tolerant } from '../../generated/shunya-tolerant/schema.d.ts';
import type { PayloadShape } from '../config.ts';
import type { Scenario } from '../scenarios.ts';
import { type AnalysisContext, type AnyCompleteAnalysis, renderAnalysis } from './analysis.ts';
import { type Conversation, lineWords, renderConversation } from './conversation.ts';
import { deriveFacts, type Facts } from './facts.ts';
import { type CallPlan, type CallType, planCall } from './plan.ts';
import { round } from './prng.ts';

type S = components['schemas'];
type T = tolerant['schemas'];

/** What content depends on; fixed when the call is transcribed. */
export interface ContentInput {
  companyId: string;
  callId: number;
  callType: CallType;
  durationS: number;
  /** Virtual epoch ms of the submission; dates in the conversation are relative to its day. */
  submittedMs: number;
  scenario: Scenario | undefined;
}

export interface CallContent {
  plan: CallPlan;
  conversation: Conversation;
  facts: Facts;
  text: string;
  wordCount: number;
}

const SPEAKERS: Record<PayloadShape, Record<S['Speaker'], string>> = {
  handoff: { rep: 'rep', customer: 'customer' },
  // Shunya's diarizer names speakers by order of appearance (decision D12).
  shunya: { rep: 'SPEAKER_01', customer: 'SPEAKER_02' },
};

export class ContentCache {
  private cache = new Map<string, CallContent>();
  constructor(private readonly max = 256) {}

  get(input: ContentInput): CallContent {
    const key = `${input.companyId}\u0000${input.callId}\u0000${input.submittedMs}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const plan = planCall(
      `${input.companyId}:${input.callId}`,
      input.callType,
      input.submittedMs,
      input.scenario,
    );
    const conversation = renderConversation(plan, input.durationS);
    const text = conversation.turns.map((t) => t.text).join(' ');
    const content = {
      plan,
      conversation,
      facts: deriveFacts(plan, conversation),
      text,
      // the turns' words summed: joined by a space, no word spans two turns; the lines' counts are cached,
      // where splitting the whole text made an array of every word per call (D541)
      wordCount: conversation.turns.reduce((n, t) => n + lineWords(t.text), 0),
    };
    this.cache.set(key, content);
    if (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!);
    return content;
  }

  clear(): void {
    this.cache.clear();
  }
}

export function transcriptBody(
  c: CallContent,
  shape: PayloadShape,
  ids: { callId: number; transcriptId: number; taskId: string; createdAt: string; durationS: number },
): S['Transcript'] | T['LooseTranscript'] {
  const names = SPEAKERS[shape];
  return {
    success: true,
    call_id: ids.callId,
    transcript_id: ids.transcriptId,
    task_id: ids.taskId,
    transcript_text: c.text,
    speaker_labels: c.conversation.turns.map((t) => ({
      speaker: names[t.speaker],
      text: t.text,
      start_time: t.start,
      end_time: t.end,
      confidence: t.confidence,
    })),
    confidence_score: c.plan.asrConfidence,
    language: 'en-US',
    word_count: c.wordCount,
    duration_seconds: ids.durationS,
    created_at: ids.createdAt,
  };
}

export function analysisBody(c: CallContent, shape: PayloadShape, ctx: AnalysisContext): AnyCompleteAnalysis {
  return renderAnalysis(c.plan, c.facts, shape, ctx);
}

export function segmentationBody(
  c: CallContent,
  ids: { callId: number; jobId: string; createdAt: string },
): S['MeetingSegmentation'] {
  const turns = c.conversation.turns;
  const ti = c.conversation.transition ?? Math.floor(turns.length / 2);
  const tp = turns[ti]!.start;
  const end = turns[turns.length - 1]!.end;
  const before = turns.slice(0, ti);
  const after = turns.slice(ti);
  const keyPoints = (ts: typeof turns) =>
    ts
      .filter((t) => t.speaker === 'rep' && t.tag && t.tag !== 'closing')
      .slice(0, 5)
      .map((t) => t.text);
  const p = c.plan;
  const skipped = ['rapport', 'agenda', 'upsell'].filter((s) => p.skipped.has(s as never)).length;
  return {
    success: true,
    call_id: ids.callId,
    job_id: ids.jobId,
    part1: {
      start_time: 0,
      end_time: tp,
      duration: tp,
      content: `Rapport, agenda and discovery: ${p.rep} met ${p.customer.full}, assessed ${p.vertical.thing} and discussed the customer's needs.`,
      key_points: keyPoints(before),
    },
    part2: {
      start_time: tp,
      end_time: end,
      duration: round(end - tp),
      content: `Proposal and close: ${p.rep} presented the recommendation and pricing${p.objections.length ? ', handled objections' : ''} and asked for the business.`,
      key_points: keyPoints(after),
    },
    segmentation_confidence: p.outcome === 'no_show' ? 0.3 : c.facts.confidence.segmentation,
    transition_point: tp,
    transition_indicators: [turns[ti]!.text],
    meeting_structure_score: Math.max(1, p.outcome === 'no_show' ? 1 : 5 - skipped),
    call_type: 'sales_appointment',
    outcome: p.outcome ?? null,
    created_at: ids.createdAt,
  };
}
