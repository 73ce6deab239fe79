// Recording sessions: a sales rep's recorded visit (§3.2).
import type { Tx } from '../db/knex.ts';

export interface RecordingSessionRow {
  id: string;
  company_id: string;
  shunya_call_id: number;
  appointment_id: string | null;
  audio_url: string | null;
  audio_format: string | null;
  file_size_bytes: number | null;
  duration_seconds: number | null;
  ghost_mode: boolean;
  uploaded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface Upload {
  audioUrl: string;
  audioFormat: string | null;
  fileSizeBytes: number | null;
  durationSeconds: number | null;
  appointmentId: string | null;
  ghostMode: boolean;
}

export type UpsertResult =
  | { kind: 'ok'; session: RecordingSessionRow }
  /** The id belongs to another tenant: answered as not found. */
  | { kind: 'foreign' };

/** Creates the session with this id, or records the upload on the tenant's existing one. */
export async function recordUpload(
  tx: Tx,
  companyId: string,
  sessionId: string,
  u: Upload,
): Promise<UpsertResult> {
  const res = await tx.raw(
    `INSERT INTO recording_sessions (id, company_id, appointment_id, audio_url, audio_format, file_size_bytes,
                                     duration_seconds, ghost_mode, uploaded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())
     ON CONFLICT (id) DO UPDATE SET
       audio_url = COALESCE(recording_sessions.audio_url, EXCLUDED.audio_url),
       audio_format = COALESCE(recording_sessions.audio_format, EXCLUDED.audio_format),
       file_size_bytes = COALESCE(recording_sessions.file_size_bytes, EXCLUDED.file_size_bytes),
       duration_seconds = COALESCE(recording_sessions.duration_seconds, EXCLUDED.duration_seconds),
       appointment_id = COALESCE(recording_sessions.appointment_id, EXCLUDED.appointment_id),
       ghost_mode = recording_sessions.ghost_mode OR EXCLUDED.ghost_mode,
       uploaded_at = COALESCE(recording_sessions.uploaded_at, now()),
       updated_at = now()
     WHERE recording_sessions.company_id = EXCLUDED.company_id
     RETURNING *`,
    [
      sessionId,
      companyId,
      u.appointmentId,
      u.audioUrl,
      u.audioFormat,
      u.fileSizeBytes,
      u.durationSeconds,
      u.ghostMode,
    ],
  );
  if (res.rows.length === 0) return { kind: 'foreign' };
  return { kind: 'ok', session: res.rows[0] as RecordingSessionRow };
}

export async function findSession(
  tx: Tx,
  companyId: string,
  id: string,
): Promise<RecordingSessionRow | undefined> {
  return (await tx('recording_sessions').where({ company_id: companyId, id }).first()) as
    | RecordingSessionRow
    | undefined;
}
