// Meeting segmentation (§4.4, §6.2): POST /api/v1/meeting-segmentation/analyze (202 async by default, or
// the tenant's submission_status; 200 with the result when its segmentation_mode is `sync`, the tolerant
// reading, D54), GET .../status/{call_id},
// GET .../analysis/{call_id}.
import Router from '@koa/router';
import { z } from 'zod';
import type { Simulator } from '../simulator.ts';
import { answerResult, operation, parseBody, pathCallId, type SimContextState, tagsOf } from './pipeline.ts';

const SegmentationRequest = z
  .object({ call_id: z.number().int().min(1), analysis_type: z.enum(['full', 'quick']).default('full') })
  .strict();

export function segmentationRoutes(sim: Simulator): Router<SimContextState> {
  const router = new Router<SimContextState>({ prefix: '/api/v1/meeting-segmentation' });
  router.post(
    '/analyze',
    ...operation(sim, 'segmentation_analyze', { idempotent: true }, (ctx) => {
      const { status, body } = sim.lifecycle.segment(
        ctx.state.companyId,
        parseBody(ctx, SegmentationRequest),
      );
      ctx.status = status;
      ctx.body = body;
    }),
  );
  router.get(
    '/status/:call_id',
    ...operation(sim, 'segmentation_status', {}, (ctx) => {
      ctx.body = sim.results.segmentationStatus(ctx.state.companyId, pathCallId(ctx));
    }),
  );
  router.get(
    '/analysis/:call_id',
    ...operation(sim, 'segmentation_analysis', {}, (ctx) => {
      answerResult(
        ctx,
        sim.results.result(
          ctx.state.companyId,
          pathCallId(ctx),
          'segmentation',
          tagsOf('segmentation_analysis'),
        ),
      );
    }),
  );
  return router;
}
