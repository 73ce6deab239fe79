// Analysis (§4.2, §4.3): POST /api/v1/analysis/start/{call_id} (no body; 202, or the tenant's
// submission_status, D54), GET .../status/{call_id},
// GET .../complete/{call_id}.
import Router from '@koa/router';
import type { Simulator } from '../simulator.ts';
import { answerResult, operation, pathCallId, type SimContextState, tagsOf } from './pipeline.ts';

export function analysisRoutes(sim: Simulator): Router<SimContextState> {
  const router = new Router<SimContextState>({ prefix: '/api/v1/analysis' });
  router.post(
    '/start/:call_id',
    ...operation(sim, 'analysis_start', { idempotent: true }, (ctx) => {
      ctx.body = sim.lifecycle.startAnalysis(ctx.state.companyId, pathCallId(ctx));
      ctx.status = sim.effective(ctx.state.companyId).submission_status;
    }),
  );
  router.get(
    '/status/:call_id',
    ...operation(sim, 'analysis_status', {}, (ctx) => {
      ctx.body = sim.results.analysisStatus(ctx.state.companyId, pathCallId(ctx));
    }),
  );
  router.get(
    '/complete/:call_id',
    ...operation(sim, 'analysis_complete', {}, (ctx) => {
      const role = ctx.get('x-target-role') === 'customer_rep' ? 'customer_rep' : 'sales_rep';
      answerResult(
        ctx,
        sim.results.result(
          ctx.state.companyId,
          pathCallId(ctx),
          'analysis',
          tagsOf('analysis_complete'),
          role,
        ),
      );
    }),
  );
  return router;
}
