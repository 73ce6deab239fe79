// GET /metrics (admin token): Prometheus text exposition.
import Router from '@koa/router';
import type { Metrics } from '../../metrics.ts';
import type { AppState } from '../context.ts';
import { adminAuth } from '../middleware/admin-auth.ts';

export function metricsRoutes(metrics: Metrics, adminToken: string): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/metrics', adminAuth(adminToken), async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
