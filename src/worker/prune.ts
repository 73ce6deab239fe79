// Task otto_prune (cron, hourly): published events older than OUTBOX_RETENTION_HOURS, webhook inbox rows
// and poll answers (D277) older than 30 days, heartbeats of processes stopped more than a day ago, and audit log entries older than
// AUDIT_RETENTION_DAYS (D117) and the uses of expired stream tickets (D380) are deleted, in batches; the redacted body of an inbox row is cleared after
// WEBHOOK_BODY_RETENTION_HOURS (D85).
import { pruneAudit } from '../domain/audit-log.ts';
import type { PipelineDeps } from '../jobs/deps.ts';

export async function prune(
  deps: PipelineDeps,
): Promise<{ events: number; deliveries: number; bodies: number }> {
  const { db, config } = deps;
  let events = 0;
  for (;;) {
    const r = await db.raw(
      `DELETE FROM outbox_events WHERE id IN (
         SELECT id FROM outbox_events WHERE position IS NOT NULL AND published_at < now() - (? * interval '1 hour') LIMIT 5000)`,
      [config.jobs.outboxRetentionHours],
    );
    events += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < 5000) break;
  }
  const d = await db.raw(`DELETE FROM webhook_deliveries WHERE received_at < now() - interval '30 days'`);
  // D277: a poll's answer is kept as long as the webhook deliveries that stand beside it in the journey
  await db.raw(`DELETE FROM shunya_poll_answers WHERE answered_at < now() - interval '30 days'`);
  const b = await db.raw(
    `UPDATE webhook_deliveries SET redacted_body = NULL
     WHERE redacted_body IS NOT NULL AND received_at < now() - (? * interval '1 hour')`,
    [config.webhook.bodyRetentionHours],
  );
  const bodies = b.rowCount ?? 0;
  // D380: a ticket's use need only be remembered while the ticket could still be presented
  await db.raw(`DELETE FROM stream_ticket_uses WHERE expires_at < now()`);
  await db.raw(`DELETE FROM worker_heartbeats WHERE stopped_at < now() - interval '1 day'`);
  // D78: early webhooks no submission claimed named no job of Otto's
  await db.raw(`DELETE FROM early_webhooks WHERE received_at < now() - interval '1 day'`);
  const audit = await pruneAudit(db, config.console.auditRetentionDays);
  if (audit > 0) deps.logger.info({ audit }, 'audit log entries pruned');
  if (events > 0 || (d.rowCount ?? 0) > 0 || bodies > 0)
    deps.logger.info({ events, deliveries: d.rowCount, bodies }, 'pruned');
  return { events, deliveries: d.rowCount ?? 0, bodies };
}
