// POST /api/v1/recording-sessions/{session_id}/upload-audio (§3.2 step 1): a sales visit's recording is uploaded.
import Router from '@koa/router';
import { zUploadAudioRequest, zUuid } from '../../../generated/otto/zod.gen.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/knex.ts';
import { findAppointment } from '../../domain/appointments.ts';
import { companyDisabled } from '../../domain/companies.ts';
import { acceptRecordingUpload } from '../../intake/triggers.ts';
import type { Clock } from '../../jobs/deps.ts';
import { checkAudioUrl } from '../audio-url.ts';
import type { AppState } from '../context.ts';
import { conflict, notFound, tenantDisabled, unprocessable } from '../errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { tenantAuth } from '../middleware/tenant-auth.ts';
import { allowRoles } from '../roles.ts';
import type { TenantGate } from '../tenant-gate.ts';
import { validate } from '../validate.ts';

/** §11.3 (TBD with Shunya; our contract's values). */
export const AUDIO_LIMITS = {
  maxBytes: 100 * 1024 * 1024,
  maxSeconds: 7200,
  formats: ['mp3', 'wav', 'm4a'],
} as const;

function formatFromUrl(url: string): string | null {
  const m = /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname);
  return m?.[1] ? m[1].toLowerCase() : null;
}

export function recordingSessionRoutes(
  config: Config,
  db: Db,
  clock: Clock,
  gate: TenantGate,
): Router<AppState> {
  const router = new Router<AppState>();
  router.post(
    '/api/v1/recording-sessions/:session_id/upload-audio',
    tenantAuth(config, db),
    allowRoles('uploadRecordingAudio'),
    jsonBody(),
    async (ctx) => {
      const companyId = ctx.state.tenant?.companyId as string;
      if (await companyDisabled(db, companyId)) throw tenantDisabled();
      const sessionId = validate(zUuid, ctx.params.session_id);
      const body = validate(zUploadAudioRequest, ctx.request.body);
      checkAudioUrl(body.audio_url, config.audio);
      const format = body.audio_format ?? formatFromUrl(body.audio_url);
      if (format && !(AUDIO_LIMITS.formats as readonly string[]).includes(format))
        throw unprocessable(
          'UNSUPPORTED_AUDIO_FORMAT',
          `Audio format ${format} is not supported (mp3, wav, m4a)`,
          { format },
        );
      if (body.file_size_bytes !== undefined && body.file_size_bytes > AUDIO_LIMITS.maxBytes)
        throw unprocessable(
          'AUDIO_TOO_LARGE',
          `Audio is ${body.file_size_bytes} bytes; the limit is ${AUDIO_LIMITS.maxBytes}`,
          {
            file_size_bytes: body.file_size_bytes,
            max_size_bytes: AUDIO_LIMITS.maxBytes,
          },
        );
      if (body.duration_seconds !== undefined && body.duration_seconds > AUDIO_LIMITS.maxSeconds)
        throw unprocessable('AUDIO_TOO_LONG', `Audio is longer than ${AUDIO_LIMITS.maxSeconds} seconds`, {
          duration_seconds: body.duration_seconds,
          max_duration_seconds: AUDIO_LIMITS.maxSeconds,
        });
      const appointmentId = body.appointment_id ?? null;
      if (appointmentId && !(await findAppointment(db, companyId, appointmentId)))
        throw notFound('Appointment');

      const upload = {
        audioUrl: body.audio_url,
        audioFormat: format,
        fileSizeBytes: body.file_size_bytes ?? null,
        durationSeconds: body.duration_seconds ?? null,
        appointmentId,
        ghostMode: body.ghost_mode ?? false,
      };
      const r = await gate.run(companyId, () =>
        acceptRecordingUpload(db, companyId, sessionId, upload, { config, clock, trace: ctx.state.trace }),
      );
      if (r.kind === 'not_found') throw notFound('Recording session');
      if (r.kind === 'conflict')
        throw conflict('SESSION_ALREADY_UPLOADED', 'This recording session already has other audio', {
          audio_url: r.audio_url,
        });
      ctx.status = 202;
      ctx.body = { session_id: r.session_id, job_id: r.job_id, status: r.status, duplicate: r.duplicate };
    },
  );
  return router;
}
