// Transcription (§4.1, §6.1): POST /api/v1/transcription/transcribe (202, or 200 when the tenant's
// submission_status says so, D54), GET .../status/{call_id}, GET .../transcript/{call_id}.
import Router from '@koa/router';
import { z } from 'zod';
import type { Simulator } from '../simulator.ts';
import { answerResult, operation, parseBody, pathCallId, type SimContextState, tagsOf } from './pipeline.ts';

const TranscriptionRequest = z
  .object({
    call_id: z.number().int().min(1),
    // Any string: an unusable URL is Shunya's 422 INVALID_AUDIO_URL, not a 400.
    audio_url: z.string().max(2048),
    call_type: z.enum(['csr_call', 'sales_call']).optional(),
    language: z.string().default('en-US'),
    model: z.string().default('default'),
  })
  .strict();

export function transcriptionRoutes(sim: Simulator): Router<SimContextState> {
  const router = new Router<SimContextState>({ prefix: '/api/v1/transcription' });
  router.post(
    '/transcribe',
    ...operation(sim, 'transcribe', { idempotent: true }, (ctx) => {
      ctx.body = sim.lifecycle.transcribe(ctx.state.companyId, parseBody(ctx, TranscriptionRequest));
      ctx.status = sim.effective(ctx.state.companyId).submission_status;
    }),
  );
  router.get(
    '/status/:call_id',
    ...operation(sim, 'transcription_status', {}, (ctx) => {
      ctx.body = sim.results.transcriptionStatus(ctx.state.companyId, pathCallId(ctx));
    }),
  );
  router.get(
    '/transcript/:call_id',
    ...operation(sim, 'transcript', {}, (ctx) => {
      answerResult(
        ctx,
        sim.results.result(ctx.state.companyId, pathCallId(ctx), 'transcription', tagsOf('transcript')),
      );
    }),
  );
  return router;
}
