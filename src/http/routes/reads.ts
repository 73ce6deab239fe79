// The frontend's reads (§3): tenant-scoped; another tenant's id is simply not found. Each route validates,
// calls a named query (src/pipeline/reads.ts) and presents what it returns.
import Router from '@koa/router';
import { zUuid } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import { readAppointment, readCallAnalysis, readRecordingSession } from '../../pipeline/reads.ts';
import type { AppState } from '../context.ts';
import { notFound } from '../errors.ts';
import { tenantAuth } from '../middleware/tenant-auth.ts';
import { presentAppointment, presentCallAnalysis, presentRecordingSession } from '../presenters/reads.ts';
import { validate } from '../validate.ts';

export function readRoutes(config: Config, db: Db): Router<AppState> {
  const router = new Router<AppState>();
  router.use(['/api/v1/calls', '/api/v1/recording-sessions', '/api/v1/appointments'], tenantAuth(config, db));
  const tenant = (state: AppState) => state.tenant?.companyId as string;

  router.get('/api/v1/calls/:call_id/analysis', async (ctx) => {
    const id = validate(zUuid, ctx.params.call_id);
    const r = await readCallAnalysis(db, tenant(ctx.state), id);
    if (!r) throw notFound('Call');
    ctx.body = presentCallAnalysis(id, r.job, r.transcript, r.analysis, r.lead, r.appointmentId);
  });

  router.get('/api/v1/recording-sessions/:session_id', async (ctx) => {
    const id = validate(zUuid, ctx.params.session_id);
    const r = await readRecordingSession(db, tenant(ctx.state), id);
    if (!r) throw notFound('Recording session');
    ctx.body = presentRecordingSession(r.session, r.job, r.transcript, r.analysis);
  });

  router.get('/api/v1/appointments/:appointment_id', async (ctx) => {
    const id = validate(zUuid, ctx.params.appointment_id);
    const a = await readAppointment(db, tenant(ctx.state), id);
    if (!a) throw notFound('Appointment');
    ctx.body = presentAppointment(a);
  });
  return router;
}
