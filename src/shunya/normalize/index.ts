// The normaliser: pure functions from unknown JSON to Otto's canonical types (src/shunya/types.ts).
export { normalizeCompleteAnalysis } from './analysis.ts';
export { normalizeError } from './error.ts';
export { appointmentType, meetingOutcome, severity } from './outcome.ts';
export { classifyQualification, type QualificationClass, type QualificationInput } from './qualification.ts';
export { complianceScore, unitScore } from './scores.ts';
export { normalizeSegmentation } from './segmentation.ts';
export { normalizeTranscript } from './transcript.ts';
export { normalizeWebhook } from './webhook.ts';
