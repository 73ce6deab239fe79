// POST /api/v1/shunya/webhook (§8): outside the tenant-auth middleware, authenticated by its signature.
import Router from '@koa/router';
import { receiveWebhook } from '../../intake/webhook.ts';
import type { PipelineDeps } from '../../jobs/deps.ts';
import type { Metrics } from '../../metrics.ts';
import type { AppState } from '../context.ts';
import { HttpError, internalError } from '../errors.ts';
import { authFailed, isThrottled } from '../middleware/auth-failures.ts';
import { rawBody } from '../middleware/json-body.ts';

const STATUS_TYPE = {
  400: 'client_error',
  401: 'authentication_error',
  403: 'authorization_error',
  404: 'not_found',
} as const;

export function shunyaWebhookRoutes(pipeline: PipelineDeps, metrics?: Metrics): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/api/v1/shunya/webhook', rawBody(5 * 1024 * 1024), async (ctx) => {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(ctx.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
    const a = await receiveWebhook(pipeline, {
      headers,
      rawBody: ctx.state.rawBody ?? Buffer.alloc(0),
      requestId: ctx.state.requestId,
      // a client past its failure limit floods: its failed deliveries are not kept at all (D130)
      keepFailedAuthentication: !isThrottled(ctx),
    });
    ctx.state.log.info({ verdict: a.verdict, status: a.httpStatus }, 'shunya webhook');
    metrics?.webhookDeliveries.inc({ verdict: a.verdict });
    if (a.httpStatus >= 500) throw internalError();
    if (a.httpStatus >= 400) {
      const type = STATUS_TYPE[a.httpStatus as keyof typeof STATUS_TYPE] ?? 'client_error';
      const err = new HttpError(
        a.httpStatus,
        a.error?.code ?? 'BAD_REQUEST',
        type,
        a.error?.message ?? 'Rejected',
      );
      throw a.httpStatus === 401 ? authFailed(ctx, 'shunya_webhook', a.verdict, err) : err;
    }
    ctx.body = { status: a.ack };
  });
  return router;
}
