// The frontend's views (§3): missing fields are null, never absent. Typed by the contract's generated
// types, so a presenter that drifts from contracts/otto.openapi.yaml does not compile.
import type {
  AnalysisStatus,
  AppointmentView,
  CallAnalysisView,
  ObjectionView,
  QualificationView,
  RecordingAnalysisView,
  RecordingSessionView,
  SegmentationPartView,
  TranscriptView,
} from '../../../generated/otto/types.gen.ts';
import type { JobRow } from '../../jobs/model.ts';
import type {
  CompleteAnalysis,
  Objection,
  Qualification,
  Segmentation,
  SegmentationPart,
  SpeakerLabel,
} from '../../shunya/types.ts';
import { presentAnalysisError } from './analysis-error.ts';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export interface TranscriptRow {
  transcript_text: string;
  speaker_labels: SpeakerLabel[];
  confidence_score: number | null;
  language: string;
  word_count: number;
  available: boolean;
}

export function analysisStatus(hasAnalysis: boolean, job: JobRow | undefined): AnalysisStatus {
  if (hasAnalysis) return 'complete';
  if (!job) return 'not_analyzed';
  if (job.job_status === 'pending' || job.job_status === 'running') return 'processing';
  if (job.job_status === 'failed' || job.job_status === 'timeout') return 'failed';
  return 'not_analyzed';
}

export function presentTranscript(t: TranscriptRow | undefined, status: AnalysisStatus): TranscriptView {
  if (t?.available) {
    return {
      available: true,
      text: t.transcript_text,
      speaker_labels: t.speaker_labels.map((s) => ({
        speaker: s.speaker,
        text: s.text,
        start_time: s.start_time,
        end_time: s.end_time,
      })),
      confidence_score: t.confidence_score,
      language: t.language,
      word_count: t.word_count,
      message: null,
    };
  }
  return {
    available: false,
    text: null,
    speaker_labels: null,
    confidence_score: null,
    language: null,
    word_count: null,
    message: status === 'processing' && !t ? 'Transcript not available yet' : 'Transcript not available',
  };
}

export const presentObjection = (o: Objection): ObjectionView => ({
  objection_text: o.objection_text,
  category: o.category_text,
  severity: o.severity,
  overcome: o.overcome,
  timestamp: o.timestamp,
  confidence_score: o.confidence_score,
});

export const presentQualification = (q: Qualification): QualificationView => ({
  qualification_status: q.qualification_status,
  booking_status: q.booking_status,
  call_outcome_category: q.call_outcome_category,
  lead_temperature: q.lead_temperature,
  bant_scores: q.bant_scores,
  overall_score: q.overall_score,
  confidence_score: q.confidence_score,
});

export interface CallAnalysisRow {
  created_at: Date;
  analysis: CompleteAnalysis;
}

export function presentCallAnalysis(
  callId: string,
  job: JobRow | undefined,
  transcript: TranscriptRow | undefined,
  analysis: CallAnalysisRow | undefined,
  lead: { id: string; status: NonNullable<CallAnalysisView['lead']>['status'] } | undefined,
  appointmentId: string | null,
): CallAnalysisView {
  const status = analysisStatus(!!analysis, job);
  const a = analysis?.analysis;
  return {
    call_id: callId,
    status,
    transcript: presentTranscript(transcript, status),
    summary: a?.summary.summary ?? null,
    objections: a ? a.objections.map(presentObjection) : null,
    sentiment_score: a?.sentiment_score ?? null,
    sop_stages_completed: a?.compliance.stages_followed ?? null,
    sop_stages_missed: a?.compliance.stages_missed ?? null,
    sop_compliance_score: a?.compliance.compliance_score ?? null,
    lead_quality: a?.qualification.lead_quality ?? null,
    qualification: a ? presentQualification(a.qualification) : null,
    lead: lead ? { id: lead.id, status: lead.status } : null,
    appointment_id: appointmentId,
    error: status === 'failed' ? presentAnalysisError(job?.last_error ?? null, 'call') : null,
    analyzed_at: iso(analysis?.created_at),
  };
}

const presentPart = (p: SegmentationPart): SegmentationPartView => ({
  start_time: p.start_time,
  end_time: p.end_time,
  duration: p.duration,
  content: p.content,
  key_points: p.key_points,
});

export interface RecordingAnalysisRow {
  outcome: RecordingAnalysisView['outcome'];
  created_at: Date;
  analysis: CompleteAnalysis;
  segmentation: Segmentation;
}

export function presentRecordingSession(
  session: {
    id: string;
    ghost_mode: boolean;
    appointment_id: string | null;
    created_at: Date;
    updated_at: Date;
  },
  job: JobRow | undefined,
  transcript: TranscriptRow | undefined,
  analysis: RecordingAnalysisRow | undefined,
): RecordingSessionView {
  const status = analysisStatus(!!analysis, job);
  const a = analysis?.analysis;
  const s = analysis?.segmentation;
  return {
    session_id: session.id,
    status,
    ghost_mode: session.ghost_mode,
    appointment_id: session.appointment_id,
    transcript: session.ghost_mode ? null : presentTranscript(transcript, status),
    analysis:
      a && s && analysis
        ? {
            outcome: analysis.outcome,
            sentiment_score: a.sentiment_score,
            sop_compliance_score: a.compliance.compliance_score,
            summary: a.summary.summary,
            objections: a.objections.map(presentObjection),
            part1: presentPart(s.part1),
            part2: presentPart(s.part2),
            transition_point: s.transition_point,
            segmentation_confidence: s.segmentation_confidence,
            meeting_structure_score: s.meeting_structure_score,
            analyzed_at: iso(analysis.created_at),
          }
        : null,
    error: status === 'failed' ? presentAnalysisError(job?.last_error ?? null, 'visit') : null,
    created_at: iso(session.created_at) as string,
    updated_at: iso(session.updated_at) as string,
  };
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

export const presentAppointment = (a: AppointmentRowFull): AppointmentView => ({
  appointment_id: a.id,
  lead_id: a.lead_id,
  call_id: a.call_id,
  scheduled_at: iso(a.scheduled_at),
  appointment_type: a.appointment_type,
  status: a.status,
  outcome: a.outcome,
  outcome_updated_at: iso(a.outcome_updated_at),
  created_at: iso(a.created_at) as string,
  updated_at: iso(a.updated_at) as string,
});
