// The audit log of operator actions (D116): who (the operator's name and how they signed in), what (an
// action and its target), when. Written in the same transaction as the action wherever the action is a
// database change, so an action and its entry commit together.
import type { Db, Tx } from '../db/knex.ts';

export type ActorKind = 'operator_token' | 'admin_token' | 'local_dev' | 'cli';

export interface Actor {
  name: string;
  kind: ActorKind;
}

export type AuditAction =
  | 'company.created'
  | 'company.updated'
  | 'job.retried'
  | 'jobs.bulk_retried'
  | 'webhook_deliveries.recovered'
  | 'simulator.changed'
  | 'operator_token.created'
  | 'operator_token.revoked'
  | 'test_call.sent'
  | 'test_visit.sent'
  | 'journey.read';

export interface AuditEntry {
  action: AuditAction;
  targetType?: string;
  targetId?: string;
  companyId?: string | null;
  /** ids and settings only: never a secret, a token or a customer's personal data */
  details?: Record<string, unknown>;
  requestId?: string;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  actor_kind: ActorKind;
  action: AuditAction;
  target_type: string | null;
  target_id: string | null;
  company_id: string | null;
  details: Record<string, unknown>;
  request_id: string | null;
}

export async function recordAudit(db: Db | Tx, actor: Actor, e: AuditEntry): Promise<AuditRow> {
  const [row] = await db('audit_log')
    .insert({
      actor: actor.name,
      actor_kind: actor.kind,
      action: e.action,
      target_type: e.targetType ?? null,
      target_id: e.targetId ?? null,
      company_id: e.companyId ?? null,
      details: JSON.stringify(e.details ?? {}),
      request_id: e.requestId ?? null,
    })
    .returning('*');
  return row as AuditRow;
}

/**
 * Names the target an entry written before its action could know it (a console test call, audited before
 * it is sent, then names the job Otto created for it, D262), stamped when the action completed.
 */
export async function completeAudit(db: Db | Tx, id: string, targetType: string, targetId: string) {
  await db('audit_log')
    .where({ id })
    .update({ target_type: targetType, target_id: targetId, at: db.fn.now() });
}

/**
 * A read of personal data (D150): recorded unless the same operator's same read of the same target is
 * already recorded within `withinMinutes`, so that a view polled every few seconds is one entry, not
 * thousands. Returns whether it wrote.
 */
export async function recordReadAudit(
  tx: Tx,
  actor: Actor,
  e: AuditEntry & { targetType: string; targetId: string },
  withinMinutes: number,
): Promise<boolean> {
  const r = await tx.raw(
    `INSERT INTO audit_log (actor, actor_kind, action, target_type, target_id, company_id, details, request_id)
     SELECT ?, ?, ?, ?, ?, ?, ?::jsonb, ?
     WHERE NOT EXISTS (
       SELECT 1 FROM audit_log
       WHERE at > now() - (? * interval '1 minute') AND actor = ? AND action = ? AND target_id = ?
     )`,
    [
      actor.name,
      actor.kind,
      e.action,
      e.targetType,
      e.targetId,
      e.companyId ?? null,
      JSON.stringify(e.details ?? {}),
      e.requestId ?? null,
      withinMinutes,
      actor.name,
      e.action,
      e.targetId,
    ],
  );
  return (r.rowCount ?? 0) > 0;
}

export interface AuditQuery {
  limit: number;
  /** keyset cursor: entries written before this id (ids grow in insertion order) */
  before?: string;
  companyId?: string;
  action?: string;
  actor?: string;
}

/** Newest first; one more row than `limit` tells whether there is a next page. */
export async function listAudit(db: Db, q: AuditQuery): Promise<AuditRow[]> {
  const query = db('audit_log')
    .orderBy('id', 'desc')
    .limit(q.limit + 1);
  if (q.companyId) query.where({ company_id: q.companyId });
  if (q.action) query.where({ action: q.action });
  if (q.actor) query.where({ actor: q.actor });
  if (q.before) query.where('id', '<', q.before);
  return (await query) as AuditRow[];
}

/** Entries older than the retention are deleted by the hourly prune (AUDIT_RETENTION_DAYS, D117). */
export async function pruneAudit(db: Db, retentionDays: number): Promise<number> {
  const r = await db.raw(`DELETE FROM audit_log WHERE at < now() - (? * interval '1 day')`, [retentionDays]);
  return r.rowCount ?? 0;
}
