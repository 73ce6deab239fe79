// The complete analysis (§4.3, §6.3–§6.7) in either shape: the handoff's top-level fields or where
// Shunya actually nests them (decision D9). Required by §10.3, else `ok: false` and nothing surfaced:
// qualification.qualification_status, the objections list, compliance.compliance_score, a sentiment
// score and the summary text. Field precedence is decision D18.
import type { CompleteAnalysis, Compliance, Entities, Normalized } from '../types.ts';
import {
  coachingTip,
  type ItemReader,
  mergePendingActions,
  missedOpportunity,
  objection,
  pendingAction,
  readItems,
  sortObjections,
} from './analysis-items.ts';
import { asRecord, firstPresent, get, int, isoDate, type Rec, text, token } from './coerce.ts';
import { Notes } from './notes.ts';
import { meetingOutcome } from './outcome.ts';
import { readQualification } from './qualification-block.ts';
import { complianceScore, unitScore } from './scores.ts';

export function normalizeCompleteAnalysis(body: unknown): Normalized<CompleteAnalysis> {
  const n = new Notes();
  const r = asRecord(body);
  if (!r) {
    n.problem('analysis body is not a JSON object');
    return n.fail();
  }
  if (get(r, 'success') === false) n.problem('analysis body is an error envelope (success: false)');
  const status = token(get(r, 'status'));
  if (status !== null && status !== 'completed' && status !== 'complete') {
    n.problem(`analysis status is "${status}", not completed`);
  }
  const summaryRaw = get(r, 'summary');
  const summaryRec = asRecord(summaryRaw);

  const qualification = readQualification(r, n);
  const objections = readObjections(r, n);
  const compliance = readCompliance(r, n);
  const summary = readSummary(summaryRaw, n);
  const sentiment_score = readSentiment(r, summaryRec, n);

  const actionsAt = (key: 'pending_actions' | 'visit_actions') => [
    listAt(get(r, key), key, n, pendingAction),
    listAt(get(summaryRec, key), `summary.${key}`, n, pendingAction),
  ];
  const opportunityAnalysis = asRecord(get(r, 'opportunity_analysis'));
  const missed = [
    ...listAt(get(r, 'missed_opportunities'), 'missed_opportunities', n, missedOpportunity),
    ...listAt(
      get(opportunityAnalysis, 'missed_opportunities'),
      'opportunity_analysis.missed_opportunities',
      n,
      missedOpportunity,
    ),
  ];
  const outcomeRaw = firstPresent(r, ['outcome', 'meeting_outcome']);

  if (
    !qualification ||
    objections === null ||
    compliance === null ||
    summary === null ||
    sentiment_score === null
  ) {
    return n.fail();
  }
  return n.result<CompleteAnalysis>({
    call_id: n.opt('call_id', get(r, 'call_id'), int),
    job_id: text(firstPresent(r, ['job_id', 'task_id'])?.value),
    qualification,
    objections,
    compliance,
    summary,
    sentiment_score,
    pending_actions: mergePendingActions(actionsAt('pending_actions')),
    visit_actions: mergePendingActions(actionsAt('visit_actions')),
    missed_opportunities: missed,
    entities: readEntities(r, n),
    outcome: n.enumOpt('outcome', outcomeRaw?.key ?? 'outcome', outcomeRaw?.value, meetingOutcome),
    unmapped_values: [...n.unmapped],
  });
}

/** A list that may be absent (nothing noted: the other source may hold it) or not a list (noted). */
function listAt<T>(raw: unknown, path: string, n: Notes, read: ItemReader<T>): T[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    n.invalid(path);
    return [];
  }
  return readItems(raw, path, n, read);
}

/** `objections.objections`, or `objections` itself when it is a list (§6.3). An empty list is a value. */
function readObjections(r: Rec, n: Notes) {
  const raw = get(r, 'objections');
  const list = Array.isArray(raw) ? raw : get(asRecord(raw), 'objections');
  const path = Array.isArray(raw) ? 'objections' : 'objections.objections';
  if (!Array.isArray(list)) {
    if (list === undefined || list === null) n.absent(path);
    else n.invalid(path);
    n.problem('objections.objections is required (§10.3)');
    return null;
  }
  return sortObjections(readItems(list, path, n, objection));
}

function readCompliance(r: Rec, n: Notes): Compliance | null {
  const c = asRecord(get(r, 'compliance'));
  const score = n.opt('compliance.compliance_score', get(c, 'compliance_score'), complianceScore);
  if (score === null) {
    n.problem('compliance.compliance_score is required (§10.3)');
    return null;
  }
  return {
    compliance_score: score,
    stages_followed: n.list('compliance.stages_followed', get(c, 'stages_followed')),
    stages_missed: n.list('compliance.stages_missed', get(c, 'stages_missed')),
    violations: n.list('compliance.violations', get(c, 'violations')),
    positive_behaviors: n.list('compliance.positive_behaviors', get(c, 'positive_behaviors')),
    recommendations: readTips(get(c, 'recommendations'), 'compliance.recommendations', n),
  };
}

/** Coaching tips (§6.5): a list of strings or tip objects; a lone string is one tip. */
function readTips(raw: unknown, path: string, n: Notes) {
  if (raw === undefined || raw === null) {
    n.filled(path);
    return [];
  }
  if (typeof raw === 'string') return readItems([raw], path, n, coachingTip);
  if (Array.isArray(raw)) return readItems(raw, path, n, coachingTip);
  n.invalid(path);
  return [];
}

/** `summary.summary`, or `summary` itself when it is a string. */
function readSummary(raw: unknown, n: Notes): CompleteAnalysis['summary'] | null {
  const s = asRecord(raw);
  const textValue = typeof raw === 'string' ? text(raw) : text(firstPresent(s, ['summary', 'text'])?.value);
  if (textValue === null) {
    n.absent('summary.summary');
    n.problem('summary.summary is required (§10.3)');
    return null;
  }
  return {
    summary: textValue,
    key_points: n.list('summary.key_points', get(s, 'key_points')),
    action_items: n.list('summary.action_items', get(s, 'action_items')),
    next_steps: n.list('summary.next_steps', get(s, 'next_steps')),
  };
}

/** D18: sentiment_score ?? sentiment (a number, or {score}) ?? sentiment_analysis.score ?? summary.sentiment_score. */
function readSentiment(r: Rec, summary: Rec | null, n: Notes): number | null {
  const sentiment = get(r, 'sentiment');
  const candidates: [string, unknown][] = [
    ['sentiment_score', get(r, 'sentiment_score')],
    ['sentiment', asRecord(sentiment) ? get(asRecord(sentiment), 'score') : sentiment],
    ['sentiment_analysis.score', get(asRecord(get(r, 'sentiment_analysis')), 'score')],
    ['summary.sentiment_score', get(summary, 'sentiment_score')],
  ];
  for (const [path, raw] of candidates) {
    if (raw === undefined || raw === null) continue;
    const v = unitScore(raw);
    if (v !== null) return v;
    n.invalid(path);
  }
  n.absent('sentiment_score');
  n.problem('a sentiment score is required (§10.3)');
  return null;
}

function readEntities(r: Rec, n: Notes): Entities {
  const raw = get(r, 'entities');
  const e = asRecord(raw);
  if (!e) {
    if (raw === undefined || raw === null) n.absent('entities');
    else n.invalid('entities');
  }
  const t = (k: string) => text(get(e, k));
  return {
    address: t('address'),
    appointment_date: isoDate(get(e, 'appointment_date')),
    scheduled_time: isoDate(get(e, 'scheduled_time')),
    name: t('name'),
    phone: t('phone'),
    email: t('email'),
  };
}
