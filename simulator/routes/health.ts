// GET /health: liveness, no authentication (faults still apply: an outage answers 503 here too).
import Router from '@koa/router';
import type { Simulator } from '../simulator.ts';
import { operation, type SimContextState } from './pipeline.ts';

export function healthRoutes(sim: Simulator): Router<SimContextState> {
  const router = new Router<SimContextState>();
  router.get(
    '/health',
    ...operation(sim, 'health', { public: true }, (ctx) => {
      ctx.body = { status: 'healthy', version: '1.0.0', timestamp: sim.clock.nowIso() };
    }),
  );
  return router;
}
