// Tasks (from pending actions and visit actions), key signals (high-priority insights) and property
// intelligence requests (§3.1 step 3.3). Each has a deterministic key, so a redelivered or re-fetched
// analysis creates nothing new.
import { createHash } from 'node:crypto';
import { type Part, part, when } from '../db/statement.ts';
import type { CompleteAnalysis, PendingAction } from '../shunya/types.ts';
import type { SqlValue } from './leads.ts';

const digest = (...parts: (string | number | null)[]) =>
  createHash('sha256')
    .update(parts.map((p) => String(p ?? '')).join('\u001f'))
    .digest('hex')
    .slice(0, 32);

export interface Source {
  companyId: string;
  /** the lead the follow-ups belong to, read by the statement (a call's lead, or a visit's appointment's) */
  lead: SqlValue;
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

/** One task per pending action, when `guard` wrote; a task already known by its key is left alone. */
export function tasksPart(
  name: string,
  guard: string | null,
  s: Source,
  source: 'pending_action' | 'visit_action',
  actions: PendingAction[],
): Part | null {
  if (actions.length === 0) return null;
  const rows = taskRows(s, source, actions);
  return part(
    name,
    `INSERT INTO tasks (company_id, task_key, source, lead_id, call_id, recording_session_id, action_type, title,
                        due_at, priority, contact_method, assignee_role)
     SELECT ?::uuid, r.task_key, ?, ${s.lead.sql}, ?::uuid, ?::uuid, r.action_type, r.title, r.due_at, r.priority,
            r.contact_method, r.assignee_role
     FROM jsonb_to_recordset(?::jsonb) AS r(task_key text, action_type text, title text, due_at timestamptz,
                                            priority text, contact_method text, assignee_role text)
     WHERE ${when(guard)}
     ON CONFLICT (company_id, task_key) DO NOTHING`,
    [s.companyId, source, ...s.lead.bindings, s.callId, s.recordingSessionId, JSON.stringify(rows)],
  );
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

/** Key signals for high-priority insights (high-severity objections, missed opportunities, urgency), when `guard` wrote. */
export function signalsPart(name: string, guard: string | null, s: Source, a: CompleteAnalysis): Part | null {
  const rows = signalRows(s, a);
  if (rows.length === 0) return null;
  return part(
    name,
    `INSERT INTO key_signals (company_id, signal_key, signal_type, severity, title, details, lead_id, call_id,
                              recording_session_id)
     SELECT ?::uuid, r.signal_key, r.signal_type, r.severity, r.title, r.details, ${s.lead.sql}, ?::uuid, ?::uuid
     FROM jsonb_to_recordset(?::jsonb) AS r(signal_key text, signal_type text, severity text, title text, details jsonb)
     WHERE ${when(guard)}
     ON CONFLICT (company_id, signal_key) DO NOTHING`,
    [s.companyId, ...s.lead.bindings, s.callId, s.recordingSessionId, JSON.stringify(rows)],
  );
}

/** "Trigger property intelligence when address extracted" (§2.1): one request per call, when `guard` wrote. */
export function propertyIntelligencePart(
  name: string,
  guard: string | null,
  s: Source,
  address: string,
): Part | null {
  if (!s.callId) return null;
  return part(
    name,
    `INSERT INTO property_intelligence_requests (company_id, call_id, lead_id, address)
     SELECT ?::uuid, ?::uuid, ${s.lead.sql}, ? WHERE ${when(guard)}
     ON CONFLICT (company_id, call_id) DO NOTHING`,
    [s.companyId, s.callId, ...s.lead.bindings, address],
  );
}
