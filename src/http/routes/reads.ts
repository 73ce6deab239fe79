// The frontend's reads (§3): tenant-scoped; another tenant's id is simply not found.
import Router from '@koa/router';
import type { CallAnalysisView, RecordingSessionView } from '../../../generated/otto/types.gen.ts';
import { zUuid } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import {
  type CallReadRows,
  callReadRows,
  findAppointmentRow,
  type SessionReadRows,
  sessionReadRows,
} from '../../views/read-views.ts';
import type { AppState } from '../context.ts';
import { notFound } from '../errors.ts';
import { tenantAuth } from '../middleware/tenant-auth.ts';
import {
  type AppointmentRowFull,
  type CallAnalysisRow,
  presentAppointment,
  presentCallAnalysis,
  presentRecordingSession,
  type RecordingAnalysisRow,
  type TranscriptRow,
} from '../presenters/reads.ts';
import { allowRoles } from '../roles.ts';
import { validate } from '../validate.ts';

export const presentCallRead = (callId: string, r: CallReadRows): CallAnalysisView =>
  presentCallAnalysis(
    callId,
    r.job,
    r.transcript as TranscriptRow | undefined,
    r.analysis as CallAnalysisRow | undefined,
    r.lead as Parameters<typeof presentCallAnalysis>[4],
    r.appointmentId,
  );

export const presentSessionRead = (r: SessionReadRows): RecordingSessionView =>
  presentRecordingSession(
    r.session,
    r.job,
    r.transcript as TranscriptRow | undefined,
    r.analysis as RecordingAnalysisRow | undefined,
  );

export function readRoutes(config: Config, db: Db): Router<AppState> {
  const router = new Router<AppState>();
  router.use(['/api/v1/calls', '/api/v1/recording-sessions', '/api/v1/appointments'], tenantAuth(config, db));
  const tenant = (state: AppState) => state.tenant?.companyId as string;

  router.get('/api/v1/calls/:call_id/analysis', allowRoles('getCallAnalysis'), async (ctx) => {
    const id = validate(zUuid, ctx.params.call_id);
    const rows = await callReadRows(db, tenant(ctx.state), id);
    if (!rows) throw notFound('Call');
    ctx.body = presentCallRead(id, rows);
  });

  router.get('/api/v1/recording-sessions/:session_id', allowRoles('getRecordingSession'), async (ctx) => {
    const id = validate(zUuid, ctx.params.session_id);
    const rows = await sessionReadRows(db, tenant(ctx.state), id);
    if (!rows) throw notFound('Recording session');
    ctx.body = presentSessionRead(rows);
  });

  router.get('/api/v1/appointments/:appointment_id', allowRoles('getAppointment'), async (ctx) => {
    const id = validate(zUuid, ctx.params.appointment_id);
    const a = (await findAppointmentRow(db, tenant(ctx.state), id)) as AppointmentRowFull | undefined;
    if (!a) throw notFound('Appointment');
    ctx.body = presentAppointment(a);
  });
  return router;
}
