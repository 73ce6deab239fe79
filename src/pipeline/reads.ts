// The frontend's reads (§3) as named queries, tenant-scoped: another tenant's id is simply not found. The
// routes (src/http/routes/reads.ts) call these and present what they return; no route builds SQL.
import type { AppointmentView, RecordingAnalysisView } from '../../generated/otto/types.gen.ts';
import type { Db } from '../db/knex.ts';
import type { RecordingSessionRow } from '../domain/recording-sessions.ts';
import type { CompleteAnalysis, LeadStatus, Segmentation, SpeakerLabel } from '../shunya/types.ts';
import type { JobRow } from './model.ts';

export interface TranscriptRow {
  transcript_text: string;
  speaker_labels: SpeakerLabel[];
  confidence_score: number | null;
  language: string;
  word_count: number;
  available: boolean;
}

export interface CallAnalysisRow {
  created_at: Date;
  analysis: CompleteAnalysis;
}

export interface RecordingAnalysisRow {
  outcome: RecordingAnalysisView['outcome'];
  created_at: Date;
  analysis: CompleteAnalysis;
  segmentation: Segmentation;
}

export interface AppointmentRowFull {
  id: string;
  lead_id: string | null;
  call_id: string | null;
  scheduled_at: Date | null;
  appointment_type: AppointmentView['appointment_type'];
  status: AppointmentView['status'];
  outcome: AppointmentView['outcome'];
  outcome_updated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface CallAnalysisRead {
  job: JobRow | undefined;
  transcript: TranscriptRow | undefined;
  analysis: CallAnalysisRow | undefined;
  lead: { id: string; status: LeadStatus } | undefined;
  appointmentId: string | null;
}

/** A call's analysis and what goes with it; undefined when the tenant has no such call. */
export async function readCallAnalysis(
  db: Db,
  company_id: string,
  id: string,
): Promise<CallAnalysisRead | undefined> {
  const call = (await db('calls').where({ company_id, id }).first('id', 'lead_id')) as
    | { id: string; lead_id: string | null }
    | undefined;
  if (!call) return undefined;
  const [job, transcript, analysis, lead, appointment] = await Promise.all([
    db('shunya_jobs').where({ company_id, call_id: id }).first() as Promise<JobRow | undefined>,
    db('call_transcripts').where({ company_id, call_id: id }).first() as Promise<TranscriptRow | undefined>,
    db('call_analyses').where({ company_id, call_id: id }).first('analysis', 'created_at') as Promise<
      CallAnalysisRow | undefined
    >,
    call.lead_id
      ? (db('leads').where({ company_id, id: call.lead_id }).first('id', 'status') as Promise<
          { id: string; status: LeadStatus } | undefined
        >)
      : Promise.resolve(undefined),
    db('appointments').where({ company_id, call_id: id }).first('id') as Promise<{ id: string } | undefined>,
  ]);
  return { job, transcript, analysis, lead, appointmentId: appointment?.id ?? null };
}

export interface RecordingSessionRead {
  session: RecordingSessionRow;
  job: JobRow | undefined;
  transcript: TranscriptRow | undefined;
  analysis: RecordingAnalysisRow | undefined;
}

/** A recording session with its job, transcript (none in ghost mode) and analysis. */
export async function readRecordingSession(
  db: Db,
  company_id: string,
  id: string,
): Promise<RecordingSessionRead | undefined> {
  const session = (await db('recording_sessions').where({ company_id, id }).first()) as
    | RecordingSessionRow
    | undefined;
  if (!session) return undefined;
  const [job, transcript, analysis] = await Promise.all([
    db('shunya_jobs').where({ company_id, recording_session_id: id }).first() as Promise<JobRow | undefined>,
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
  return { session, job, transcript, analysis };
}

export async function readAppointment(
  db: Db,
  company_id: string,
  id: string,
): Promise<AppointmentRowFull | undefined> {
  return (await db('appointments').where({ company_id, id }).first()) as AppointmentRowFull | undefined;
}
