// The complete analysis in the two shapes Otto accepts (decision D2, D8, D9, D56):
// - `handoff`, the strict contract's shape: §4.3's placement and vocabulary (qualified_booked/
//   qualified_unbooked/qualified_service_not_offered/not_qualified, compliance 0-10, top-level
//   sentiment_score, pending_actions {action, due_at, priority}, missed_opportunities, entities,
//   total_objections, Shunya's category names), every field present (null when unknown);
// - `shunya`, the tolerant reading: Shunya's reference shape (hot/warm/cold/unqualified + booking_status +
//   call_outcome_category, summary.pending_actions typed, summary.sentiment_score,
//   opportunity_analysis, compliance 0-1, total_count, appointment fields under qualification).
import type { components } from '../../generated/shunya/schema.d.ts';
import type { components as tolerant } from '../../generated/shunya-tolerant/schema.d.ts';
import type { PayloadShape } from '../config.ts';
import type { Facts } from './facts.ts';
import type { CallPlan } from './plan.ts';
import { round } from './prng.ts';
import { spokenDate } from './scripts.ts';

type S = components['schemas'];
type T = tolerant['schemas'];
/** The strict shape, or Shunya's own (tolerant reading). */
export type AnyCompleteAnalysis = S['CompleteAnalysis'] | T['LooseCompleteAnalysis'];

export interface AnalysisContext {
  callId: number;
  jobId: string;
  createdAt: string;
  completedAt: string;
  targetRole: 'sales_rep' | 'customer_rep';
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const money = (n: number) => `$${n.toLocaleString('en-US')}`;

function handoffStatus(p: CallPlan): S['QualificationStatus'] {
  if (p.booking === 'booked') return 'qualified_booked';
  if (p.booking === 'service_not_offered') return 'qualified_service_not_offered';
  return p.temperature === 'hot' || p.temperature === 'warm' ? 'qualified_unbooked' : 'not_qualified';
}

function outcomeCategory(p: CallPlan): T['CallOutcomeCategory'] | undefined {
  if (p.temperature !== 'hot' && p.temperature !== 'warm') return undefined;
  return p.booking === 'booked'
    ? 'qualified_and_booked'
    : p.booking === 'service_not_offered'
      ? 'qualified_service_not_offered'
      : 'qualified_but_unbooked';
}

function summaryText(p: CallPlan, f: Facts): string {
  const c = p.customer;
  const concerns = f.objections.map((o) => o.category.toLowerCase());
  const about = concerns.length ? ` and addressed concerns about ${concerns.join(', ')}` : '';
  const appt = f.appointmentMs;
  if (p.callType === 'sales_call') {
    const lead = `${p.rep} visited ${c.full} to assess ${p.vertical.thing}. ${p.vertical.findings[0]} The proposal came to ${money(p.price)}${about}.`;
    const end = {
      won: ` The customer agreed; the work is scheduled for ${appt ? spokenDate(appt) : 'a date to be confirmed'}.`,
      rescheduled: ` The customer asked to continue on ${appt ? spokenDate(appt) : 'another day'} with their spouse.`,
      pending: ' The customer wants a few days to think it over.',
      lost: ' The customer chose another company.',
      no_show: ' Nobody was home for the appointment.',
    }[p.outcome ?? 'pending'];
    return p.outcome === 'no_show'
      ? `${p.rep} arrived at ${c.address} but nobody was home for the appointment.`
      : lead + end;
  }
  const lead = `${c.full} called ${p.company} about ${p.opener.urgency.join(' and ').toLowerCase()}. ${p.rep} collected the customer's details${about}.`;
  if (p.booking === 'booked')
    return `${lead} An in-person visit was booked for ${appt ? spokenDate(appt) : 'a later date'}.`;
  if (p.booking === 'service_not_offered')
    return `${lead} The customer needed ${p.vertical.notOffered.service.toLowerCase()}, which ${p.company} does not offer.`;
  return `${lead} ${
    {
      hot: 'The customer will call back to schedule.',
      warm: 'The customer will call back to schedule.',
      cold: 'The customer is comparing prices and did not book.',
      unqualified: "The caller rents the home and needs the landlord's approval; nothing was booked.",
    }[p.temperature]
  }`;
}

function keyPoints(p: CallPlan, f: Facts): string[] {
  return [
    ...p.opener.urgency,
    ...f.objections.map((o) => `${o.category} objection ${o.overcome ? 'addressed' : 'unresolved'}`),
    f.appointmentMs ? `Appointment set for ${spokenDate(f.appointmentMs)}` : 'No appointment booked',
  ];
}

/** What both shapes say alike. */
interface Common {
  booked: boolean;
  summary: string;
  actionItems: string[];
  nextSteps: string[];
  budgetAnswer: string[];
  decisionMakers: string[];
  outcome: CallPlan['outcome'];
}

const BUDGET_ANSWERS = {
  hot: 'Insurance and savings set aside',
  warm: 'Wants to keep the cost reasonable',
  cold: 'Comparing prices',
  unqualified: 'Not the one paying',
} as const;

function common(p: CallPlan, f: Facts): Common {
  const booked = f.appointmentMs !== null;
  const spouse = p.objections.some((o) => o.category === 'Decision Authority') || p.outcome === 'rescheduled';
  return {
    booked,
    summary: summaryText(p, f),
    actionItems: f.actions.map((a) => a.action),
    nextSteps: booked
      ? ['Confirm the appointment', 'Prepare for the visit']
      : ['Follow up with the customer'],
    budgetAnswer: p.skipped.has('budget') ? [] : [BUDGET_ANSWERS[p.temperature]],
    decisionMakers: [p.customer.full, ...(spouse ? ['Spouse'] : [])],
    outcome: p.callType === 'sales_call' ? (p.outcome ?? null) : null,
  };
}

export function renderAnalysis(
  p: CallPlan,
  f: Facts,
  shape: PayloadShape,
  ctx: AnalysisContext,
): AnyCompleteAnalysis {
  const c = common(p, f);
  return shape === 'handoff' ? handoffAnalysis(p, f, ctx, c) : shunyaAnalysis(p, f, ctx, c);
}

// ---- The strict contract's shape (§4.3) ----

function handoffAnalysis(p: CallPlan, f: Facts, ctx: AnalysisContext, c: Common): S['CompleteAnalysis'] {
  const actions = f.actions.map((a) => ({ action: a.action, due_at: iso(a.dueMs), priority: a.priority }));
  return {
    success: true,
    call_id: ctx.callId,
    job_id: ctx.jobId,
    status: 'completed',
    qualification: handoffQualification(p, f, c),
    objections: handoffObjections(f),
    compliance: handoffCompliance(f),
    summary: {
      summary: c.summary,
      key_points: keyPoints(p, f),
      action_items: c.actionItems,
      next_steps: c.nextSteps,
      confidence_score: f.confidence.summary,
    },
    sentiment_score: f.sentiment,
    // §3.1 step 3.3 / §3.2 step 3.4: a CSR call's follow-ups are pending_actions, a visit's visit_actions
    pending_actions: p.callType === 'sales_call' ? [] : actions,
    visit_actions: p.callType === 'sales_call' ? actions : [],
    missed_opportunities: f.missed.map((m) => ({
      opportunity: m.description,
      severity: m.impact,
      timestamp: m.timestamp,
    })),
    entities: {
      ...f.entities,
      appointment_date: iso(f.appointmentMs),
      scheduled_time: iso(f.appointmentMs),
    },
    outcome: c.outcome,
    created_at: ctx.createdAt,
    completed_at: ctx.completedAt,
  };
}

function handoffQualification(p: CallPlan, f: Facts, c: Common): S['CompleteAnalysis']['qualification'] {
  return {
    qualification_status: handoffStatus(p),
    bant_scores: f.bant,
    overall_score: f.overall,
    confidence_score: f.confidence.qualification,
    decision_makers: c.decisionMakers,
    urgency_signals: [...p.opener.urgency],
    budget_indicators: c.budgetAnswer,
  };
}

function handoffObjections(f: Facts): S['CompleteAnalysis']['objections'] {
  const count = (severity: string) => f.objections.filter((o) => o.severity === severity).length;
  return {
    objections: f.objections.map((o) => ({
      objection_text: o.text,
      category_id: o.id,
      category_text: o.category,
      severity: o.severity,
      overcome: o.overcome,
      timestamp: o.timestamp,
      speaker_id: 'customer',
      response_suggestions: [...o.suggestions],
      confidence_score: o.confidence,
    })),
    total_objections: f.objections.length,
    severity_breakdown: { high: count('high'), medium: count('medium'), low: count('low') },
  };
}

function handoffCompliance(f: Facts): S['CompleteAnalysis']['compliance'] {
  const stages = f.stagesFollowed.length + f.stagesMissed.length;
  return {
    // §4.3: 0-10
    compliance_score: round((10 * f.stagesFollowed.length) / stages, 1),
    stages_followed: f.stagesFollowed,
    stages_missed: f.stagesMissed,
    violations: f.violations,
    positive_behaviors: f.positives,
    recommendations: f.recommendations,
  };
}

// ---- Shunya's own shape (the tolerant reading) ----

type Loose = T['LooseCompleteAnalysis'];
type Part<K extends keyof Loose> = NonNullable<Loose[K]>;

function shunyaAnalysis(p: CallPlan, f: Facts, ctx: AnalysisContext, c: Common): Loose {
  return {
    call_id: ctx.callId,
    status: 'completed',
    summary: shunyaSummary(p, f, ctx, c),
    compliance: shunyaCompliance(f, ctx),
    objections: shunyaObjections(f, ctx),
    qualification: shunyaQualification(p, f, ctx, c),
    opportunity_analysis: opportunityAnalysis(p, f, ctx, c),
    ...(c.outcome ? { outcome: c.outcome } : {}),
    created_at: ctx.createdAt,
    completed_at: ctx.completedAt,
  };
}

function shunyaSummary(p: CallPlan, f: Facts, ctx: AnalysisContext, c: Common): Part<'summary'> {
  return {
    call_id: ctx.callId,
    summary: c.summary,
    key_points: keyPoints(p, f),
    action_items: c.actionItems,
    next_steps: c.nextSteps,
    pending_actions: f.actions.map((a) => ({
      type: a.type as T['ActionType'],
      due_at: iso(a.dueMs),
      contact_method: a.contact,
      confidence: a.confidence,
      raw_text: a.rawText,
    })),
    sentiment_score: f.sentiment,
    confidence_score: f.confidence.summary,
    created_at: ctx.completedAt,
  };
}

function shunyaCompliance(f: Facts, ctx: AnalysisContext): Part<'compliance'> {
  const stages = f.stagesFollowed.length + f.stagesMissed.length;
  return {
    call_id: ctx.callId,
    // Shunya's reference: 0-1
    compliance_score: round(f.stagesFollowed.length / stages, 2),
    target_role: ctx.targetRole,
    stages_followed: f.stagesFollowed,
    stages_missed: f.stagesMissed,
    violations: f.violations,
    positive_behaviors: f.positives,
    recommendations: f.recommendations,
    confidence_score: f.confidence.compliance,
    created_at: ctx.completedAt,
  };
}

function shunyaObjections(f: Facts, ctx: AnalysisContext): Part<'objections'> {
  return {
    call_id: ctx.callId,
    objections: f.objections.map((o, i) => ({
      id: i + 1,
      category_id: o.id,
      category_text: o.category,
      objection_text: o.text,
      overcome: o.overcome,
      speaker_id: 'SPEAKER_02',
      timestamp: o.timestamp,
      severity: o.severity,
      confidence_score: o.confidence,
      response_suggestions: [...o.suggestions],
      created_at: ctx.completedAt,
    })),
    total_count: f.objections.length,
  };
}

function shunyaQualification(p: CallPlan, f: Facts, ctx: AnalysisContext, c: Common): Part<'qualification'> {
  const category = outcomeCategory(p);
  const followUp = !c.booked && p.temperature !== 'unqualified';
  return {
    call_id: ctx.callId,
    bant_scores: f.bant,
    overall_score: f.overall,
    qualification_status: p.temperature,
    decision_makers: c.decisionMakers,
    urgency_signals: [...p.opener.urgency],
    budget_indicators: c.budgetAnswer,
    confidence_score: f.confidence.qualification,
    booking_status: p.booking,
    ...(category ? { call_outcome_category: category } : {}),
    appointment_confirmed: c.booked,
    appointment_date: iso(f.appointmentMs),
    appointment_type: c.booked ? 'in-person' : null,
    service_requested: p.service,
    service_not_offered_reason:
      p.booking === 'service_not_offered' ? `${p.vertical.notOffered.service} is not offered` : null,
    follow_up_required: followUp,
    follow_up_reason: followUp ? 'Customer did not book during the call' : null,
    created_at: ctx.completedAt,
  };
}

const RISK_BASE = { hot: 20, warm: 45, cold: 70, unqualified: 85 } as const;

function opportunityAnalysis(
  p: CallPlan,
  f: Facts,
  ctx: AnalysisContext,
  c: Common,
): Part<'opportunity_analysis'> {
  const unresolved = f.objections.filter((o) => !o.overcome);
  const riskScore = RISK_BASE[p.temperature] + unresolved.length * 5;
  return {
    call_id: ctx.callId,
    risk_assessment: {
      level: riskScore < 35 ? 'low' : riskScore < 65 ? 'medium' : 'high',
      score: Math.min(100, riskScore),
      risk_factors: unresolved.map((o) => `Unresolved ${o.category.toLowerCase()} concern`),
      positive_factors: [...(c.booked ? ['Appointment booked'] : []), ...p.opener.urgency],
      mitigation_strategies: unresolved.flatMap((o) => o.suggestions.slice(0, 1)),
      recommendation: c.booked ? 'Deal is in good shape.' : 'Follow up promptly to keep the lead warm.',
    },
    missed_opportunities: f.missed.map((m) => ({
      type: m.type,
      description: m.description,
      impact: m.impact,
      reasoning: m.reasoning,
      suggestion: m.suggestion,
    })),
    created_at: ctx.completedAt,
  };
}
