// Tasks (from pending actions and visit actions), key signals (high-priority insights) and property
// intelligence requests (§3.1 step 3.3). Each has a deterministic key, so a redelivered or re-fetched
// analysis creates nothing new.
import { createHash } from 'node:crypto';
import type { Tx } from '../db/knex.ts';
import type { CompleteAnalysis, PendingAction } from '../shunya/types.ts';

const digest = (...parts: (string | number | null)[]) =>
  createHash('sha256')
    .update(parts.map((p) => String(p ?? '')).join('\u001f'))
    .digest('hex')
    .slice(0, 32);

export interface Source {
  companyId: string;
  leadId: string | null;
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

/** Inserts one task per pending action; returns how many were new. */
export async function insertTasks(
  tx: Tx,
  s: Source,
  source: 'pending_action' | 'visit_action',
  actions: PendingAction[],
): Promise<number> {
  if (actions.length === 0) return 0;
  const defaultAssignee = source === 'visit_action' ? 'sales_rep' : 'csr';
  const rows = actions.map((a) => ({
    company_id: s.companyId,
    task_key: taskKey(s, a),
    source,
    lead_id: s.leadId,
    call_id: s.callId,
    recording_session_id: s.recordingSessionId,
    action_type: a.action_type,
    title: a.action,
    due_at: a.due_at,
    priority: a.priority,
    contact_method: a.contact_method,
    assignee_role: (a.action_type && ASSIGNEE[a.action_type]) || defaultAssignee,
  }));
  const res = await tx('tasks').insert(rows).onConflict(['company_id', 'task_key']).ignore().returning('id');
  return res.length;
}

/** Key signals for high-priority insights: high-severity objections, missed opportunities, urgency. */
export async function insertSignals(tx: Tx, s: Source, a: CompleteAnalysis): Promise<number> {
  const prefix = sourceKey(s);
  const rows: Record<string, unknown>[] = [];
  const base = {
    company_id: s.companyId,
    lead_id: s.leadId,
    call_id: s.callId,
    recording_session_id: s.recordingSessionId,
  };
  for (const o of a.objections) {
    if (o.severity !== 'high') continue;
    rows.push({
      ...base,
      signal_key: `${prefix}:objection:${digest(o.objection_text, o.timestamp)}`,
      signal_type: 'high_severity_objection',
      severity: 'high',
      title: o.objection_text,
      details: JSON.stringify({ category: o.category_text, timestamp: o.timestamp, overcome: o.overcome }),
    });
  }
  for (const m of a.missed_opportunities) {
    if (m.severity === 'low') continue;
    rows.push({
      ...base,
      signal_key: `${prefix}:missed:${digest(m.type, m.description)}`,
      signal_type: 'missed_opportunity',
      severity: m.severity,
      title: m.description,
      details: JSON.stringify({ type: m.type, suggestion: m.suggestion, timestamp: m.timestamp }),
    });
  }
  const q = a.qualification;
  if (q.urgency_signals.length > 0 || q.lead_temperature === 'hot') {
    rows.push({
      ...base,
      signal_key: `${prefix}:urgency`,
      signal_type: 'urgency',
      severity: q.lead_temperature === 'hot' ? 'high' : 'medium',
      title: q.urgency_signals[0] ?? 'Hot lead',
      details: JSON.stringify({ urgency_signals: q.urgency_signals, lead_temperature: q.lead_temperature }),
    });
  }
  if (rows.length === 0) return 0;
  const res = await tx('key_signals')
    .insert(rows)
    .onConflict(['company_id', 'signal_key'])
    .ignore()
    .returning('id');
  return res.length;
}

/** "Trigger property intelligence when address extracted" (§2.1): one request per call. */
export async function requestPropertyIntelligence(tx: Tx, s: Source, address: string): Promise<boolean> {
  if (!s.callId) return false;
  const res = await tx('property_intelligence_requests')
    .insert({ company_id: s.companyId, call_id: s.callId, lead_id: s.leadId, address })
    .onConflict(['company_id', 'call_id'])
    .ignore()
    .returning('id');
  return res.length > 0;
}
