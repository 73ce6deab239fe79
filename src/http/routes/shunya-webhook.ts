// POST /api/v1/shunya/webhook (§8): outside the tenant-auth middleware, authenticated by its signature.
import Router from '@koa/router';
import { receiveWebhook } from '../../intake/webhook.ts';
import type { PipelineDeps } from '../../jobs/deps.ts';
import type { Metrics } from '../../metrics.ts';
import { withTrace } from '../../tracing.ts';
import type { AppState } from '../context.ts';
import { webhookError, webhookStatus } from '../errors.ts';
import { authFailed, isThrottled } from '../middleware/auth-failures.ts';
import { rawBody } from '../middleware/json-body.ts';

export function shunyaWebhookRoutes(pipeline: PipelineDeps, metrics?: Metrics): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/api/v1/shunya/webhook', rawBody(5 * 1024 * 1024), async (ctx) => {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(ctx.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
    const a = await receiveWebhook(withTrace(pipeline, ctx.state.trace), {
      headers,
      rawBody: ctx.state.rawBody ?? Buffer.alloc(0),
      requestId: ctx.state.requestId,
      // a client past its failure limit floods: its failed deliveries are not kept at all (D130)
      keepFailedAuthentication: !isThrottled(ctx),
      statusOf: webhookStatus,
    });
    ctx.state.log.info({ verdict: a.verdict, status: webhookStatus(a.verdict) }, 'shunya webhook');
    metrics?.webhookDeliveries.inc({ verdict: a.verdict });
    // the verdict's answer is decided in one place, http/errors.ts, and rendered by middleware/errors.ts
    const err = webhookError(a);
    if (err) throw err.status === 401 ? authFailed(ctx, 'shunya_webhook', a.verdict, err) : err;
    ctx.body = { status: a.ack };
  });
  return router;
}
