// Tasks (from pending actions and visit actions) and key signals (high-priority insights) (§3.1 step 3.3):
// their rows, each with a deterministic key, which the analysis stages' statements insert unless known
// (jobs/transitions/stages/), so a redelivered or re-fetched analysis creates nothing new.
import { createHash } from 'node:crypto';
import type { CompleteAnalysis, PendingAction } from '../shunya/types.ts';

const digest = (...parts: (string | number | null)[]) =>
  createHash('sha256')
    .update(parts.map((p) => String(p ?? '')).join('\u001f'))
    .digest('hex')
    .slice(0, 32);

export interface Source {
  companyId: string;
  callId: string | null;
  recordingSessionId: string | null;
}

const sourceKey = (s: Source) => (s.callId ? `call:${s.callId}` : `session:${s.recordingSessionId}`);

const ASSIGNEE: Record<string, 'csr' | 'sales_rep' | 'manager'> = {
  site_visit: 'sales_rep',
  inspection: 'sales_rep',
  measurement: 'sales_rep',
  escalate: 'manager',
  manager_review: 'manager',
  get_approval: 'manager',
};

export function taskKey(s: Source, a: PendingAction): string {
  return `${sourceKey(s)}:${digest(a.action_type, a.action.trim().toLowerCase(), a.due_at)}`;
}

/** The task rows of a source's pending actions, keyed (the statement inserts those not known yet). */
export function taskRows(s: Source, source: 'pending_action' | 'visit_action', actions: PendingAction[]) {
  const defaultAssignee = source === 'visit_action' ? 'sales_rep' : 'csr';
  return actions.map((a) => ({
    task_key: taskKey(s, a),
    action_type: a.action_type,
    title: a.action,
    due_at: a.due_at,
    priority: a.priority,
    contact_method: a.contact_method,
    assignee_role: (a.action_type && ASSIGNEE[a.action_type]) || defaultAssignee,
  }));
}

/** The key signal rows of an analysis: high-severity objections, missed opportunities, urgency. */
export function signalRows(s: Source, a: CompleteAnalysis): Record<string, unknown>[] {
  const prefix = sourceKey(s);
  const rows: Record<string, unknown>[] = [];
  for (const o of a.objections) {
    if (o.severity !== 'high') continue;
    rows.push({
      signal_key: `${prefix}:objection:${digest(o.objection_text, o.timestamp)}`,
      signal_type: 'high_severity_objection',
      severity: 'high',
      title: o.objection_text,
      details: { category: o.category_text, timestamp: o.timestamp, overcome: o.overcome },
    });
  }
  for (const m of a.missed_opportunities) {
    if (m.severity === 'low') continue;
    rows.push({
      signal_key: `${prefix}:missed:${digest(m.type, m.description)}`,
      signal_type: 'missed_opportunity',
      severity: m.severity,
      title: m.description,
      details: { type: m.type, suggestion: m.suggestion, timestamp: m.timestamp },
    });
  }
  const q = a.qualification;
  if (q.urgency_signals.length > 0 || q.lead_temperature === 'hot') {
    rows.push({
      signal_key: `${prefix}:urgency`,
      signal_type: 'urgency',
      severity: q.lead_temperature === 'hot' ? 'high' : 'medium',
      title: q.urgency_signals[0] ?? 'Hot lead',
      details: { urgency_signals: q.urgency_signals, lead_temperature: q.lead_temperature },
    });
  }
  return rows;
}
