// GET /metrics (operator token, D115): Prometheus text exposition.
import Router from '@koa/router';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { Metrics } from '../../metrics.ts';
import type { AppState } from '../context.ts';
import { operatorAuth } from '../middleware/operator-auth.ts';

export function metricsRoutes(metrics: Metrics, config: Config, db: Db): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/metrics', operatorAuth(config, db), async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
