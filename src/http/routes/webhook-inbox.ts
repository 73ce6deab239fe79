// The webhook inbox and recover (issue 20 item 4; D270–D273): GET /api/v1/ops/webhook-deliveries lists the
// deliveries, newest first; POST /api/v1/ops/webhook-deliveries/recover finishes the jobs whose deliveries
// Otto refused or failed to apply by polling Shunya, audited as ONE action. Operators only (D115).
import Router from '@koa/router';
import type { InboxDelivery, WebhookInbox, WebhookRecoverResult } from '../../../generated/otto/types.gen.ts';
import {
  zListWebhookDeliveriesQuery,
  zUuid,
  zWebhookRecoverRequest,
} from '../../../generated/otto/zod.gen.ts';
import { transaction } from '../../db/tx.ts';
import { recordAudit } from '../../domain/audit-log.ts';
import { RECOVER_MAX, recoverCandidates, scheduleRecoveryPolls } from '../../intake/webhook-recover.ts';
import type { PipelineDeps } from '../../jobs/deps.ts';
import { type InboxRow, listInbox } from '../../views/webhook-inbox.ts';
import type { AppState } from '../context.ts';
import { badRequest, unprocessable } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';
import { queryWithIntegers, validate } from '../validate.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

const present = (r: InboxRow): InboxDelivery => ({
  id: r.id,
  received_at: iso(r.received_at),
  verdict: r.verdict,
  http_status: r.http_status,
  body_bytes: r.body_bytes,
  body_sha256: r.body_sha256,
  profile: r.profile,
  duration_ms: r.duration_ms,
  shunya_job_id: r.shunya_job_id,
  job_id: r.job_id,
  company_id: r.company_id,
});

const encodeCursor = (r: InboxRow) => Buffer.from(`${iso(r.received_at)}|${r.id}`).toString('base64url');
function decodeCursor(c: string): { receivedAt: string; id: string } {
  const [receivedAt, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  if (!receivedAt || !id || Number.isNaN(Date.parse(receivedAt)) || !zUuid.safeParse(id).success)
    throw badRequest('INVALID_CURSOR', 'The cursor is not valid');
  return { receivedAt, id };
}

export function webhookInboxRoutes(pipeline: PipelineDeps): Router<AppState> {
  const { db, config } = pipeline;
  const router = new Router<AppState>({ prefix: '/api/v1/ops/webhook-deliveries' });
  router.use(operatorAuth(config, db));

  router.get('/', async (ctx) => {
    const q = validate(zListWebhookDeliveriesQuery, queryWithIntegers(ctx.query, ['limit']));
    const limit = q.limit ?? 50;
    const rows = await listInbox(db, {
      companyId: q.company_id,
      jobId: q.job_id,
      verdict: q.verdict,
      since: q.since,
      before: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit,
    });
    const page = rows.slice(0, limit);
    const body: WebhookInbox = {
      items: page.map(present),
      next_cursor:
        rows.length > limit && page.length ? encodeCursor(page[page.length - 1] as InboxRow) : null,
    };
    ctx.body = body;
  });

  router.post('/recover', jsonBody(), async (ctx) => {
    const body = validate(zWebhookRecoverRequest, ctx.request.body ?? {});
    const filter = { since: body.since, companyId: body.company_id };
    const dryRun = body.dry_run ?? false;
    const operator = ctx.state.operator!;
    // one transaction: the polls scheduled and their one audit entry commit together (D272)
    const jobs = await transaction(db, async (tx) => {
      const found = await recoverCandidates(tx, filter, RECOVER_MAX + 1);
      if (found.length > RECOVER_MAX)
        throw unprocessable(
          'RECOVER_TOO_LARGE',
          `More than ${RECOVER_MAX} jobs match; narrow the time range`,
          { max: RECOVER_MAX },
        );
      if (dryRun) return found;
      await scheduleRecoveryPolls(tx, found);
      await recordAudit(tx, operator, {
        action: 'webhook_deliveries.recovered',
        targetType: 'webhook_deliveries',
        companyId: body.company_id ?? null,
        details: { filter: { since: body.since, company_id: body.company_id ?? null }, count: found.length },
        requestId: ctx.state.requestId,
      });
      return found;
    });
    if (!dryRun)
      ctx.state.log.info({ since: body.since, count: jobs.length }, 'webhooks recovered by an operator');
    const result: WebhookRecoverResult = {
      dry_run: dryRun,
      since: body.since,
      company_id: body.company_id ?? null,
      count: jobs.length,
      jobs,
    };
    ctx.body = result;
  });
  return router;
}
