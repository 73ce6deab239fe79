// The operations of §4 the kit exercises, by the handoff's paths (the contract's path templates).
import type { JobKind } from '../session.ts';

export const P = {
  health: '/health',
  transcribe: '/api/v1/transcription/transcribe',
  transcriptionStatus: '/api/v1/transcription/status/{call_id}',
  transcript: '/api/v1/transcription/transcript/{call_id}',
  analysisStart: '/api/v1/analysis/start/{call_id}',
  analysisStatus: '/api/v1/analysis/status/{call_id}',
  analysisComplete: '/api/v1/analysis/complete/{call_id}',
  segment: '/api/v1/meeting-segmentation/analyze',
  segmentationStatus: '/api/v1/meeting-segmentation/status/{call_id}',
  segmentationResult: '/api/v1/meeting-segmentation/analysis/{call_id}',
} as const;

export const fill = (template: string, callId: number | string) =>
  template.replace('{call_id}', encodeURIComponent(String(callId)));

export const STATUS_OF: Record<JobKind, string> = {
  transcription: P.transcriptionStatus,
  analysis: P.analysisStatus,
  segmentation: P.segmentationStatus,
};

export const RESULT_OF: Record<JobKind, string> = {
  transcription: P.transcript,
  analysis: P.analysisComplete,
  segmentation: P.segmentationResult,
};

/** The field of an acceptance (and of a status) that carries Shunya's id for the job (§4.1, §4.2, §4.4). */
export const ID_FIELD: Record<JobKind, string> = {
  transcription: 'task_id',
  analysis: 'job_id',
  segmentation: 'job_id',
};

/** Operations that name a call in the path, for the unknown-call probes. */
export const CALL_GETS = [
  P.transcriptionStatus,
  P.transcript,
  P.analysisStatus,
  P.analysisComplete,
  P.segmentationStatus,
  P.segmentationResult,
] as const;
