// The frontend's reads (§3): tenant-scoped; another tenant's id is simply not found.
import Router from '@koa/router';
import { zUuid } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import type { JobRow } from '../../pipeline/model.ts';
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
import { validate } from '../validate.ts';

export function readRoutes(config: Config, db: Db): Router<AppState> {
  const router = new Router<AppState>();
  router.use(['/api/v1/calls', '/api/v1/recording-sessions', '/api/v1/appointments'], tenantAuth(config, db));
  const tenant = (state: AppState) => state.tenant?.companyId as string;

  router.get('/api/v1/calls/:call_id/analysis', async (ctx) => {
    const company_id = tenant(ctx.state);
    const id = validate(zUuid, ctx.params.call_id);
    const call = (await db('calls').where({ company_id, id }).first('id', 'lead_id')) as
      | { id: string; lead_id: string | null }
      | undefined;
    if (!call) throw notFound('Call');
    const [job, transcript, analysis, lead, appointment] = await Promise.all([
      db('shunya_jobs').where({ company_id, call_id: id }).first() as Promise<JobRow | undefined>,
      db('call_transcripts').where({ company_id, call_id: id }).first() as Promise<TranscriptRow | undefined>,
      db('call_analyses').where({ company_id, call_id: id }).first('analysis', 'created_at') as Promise<
        CallAnalysisRow | undefined
      >,
      call.lead_id
        ? db('leads').where({ company_id, id: call.lead_id }).first('id', 'status')
        : Promise.resolve(undefined),
      db('appointments').where({ company_id, call_id: id }).first('id') as Promise<
        { id: string } | undefined
      >,
    ]);
    ctx.body = presentCallAnalysis(id, job, transcript, analysis, lead, appointment?.id ?? null);
  });

  router.get('/api/v1/recording-sessions/:session_id', async (ctx) => {
    const company_id = tenant(ctx.state);
    const id = validate(zUuid, ctx.params.session_id);
    const session = await db('recording_sessions').where({ company_id, id }).first();
    if (!session) throw notFound('Recording session');
    const [job, transcript, analysis] = await Promise.all([
      db('shunya_jobs').where({ company_id, recording_session_id: id }).first() as Promise<
        JobRow | undefined
      >,
      session.ghost_mode
        ? Promise.resolve(undefined)
        : (db('recording_transcripts').where({ company_id, recording_session_id: id }).first() as Promise<
            TranscriptRow | undefined
          >),
      db('recording_analyses')
        .where({ company_id, recording_session_id: id })
        .first('outcome', 'analysis', 'segmentation', 'created_at') as Promise<
        RecordingAnalysisRow | undefined
      >,
    ]);
    ctx.body = presentRecordingSession(session, job, transcript, analysis);
  });

  router.get('/api/v1/appointments/:appointment_id', async (ctx) => {
    const company_id = tenant(ctx.state);
    const id = validate(zUuid, ctx.params.appointment_id);
    const a = (await db('appointments').where({ company_id, id }).first()) as AppointmentRowFull | undefined;
    if (!a) throw notFound('Appointment');
    ctx.body = presentAppointment(a);
  });
  return router;
}
