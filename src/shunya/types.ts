// Otto's canonical view of what Shunya returns, after normalisation (src/shunya/normalize/*), and the
// interface of the UWC client (src/shunya/client.ts). These are Otto's types, not Shunya's contract: the
// pipeline and the domain layer depend on them and never on raw Shunya payloads or generated types.
// Every field is present; an unknown value is null (never undefined), and 0 is a value, never "missing".
import type { TraceContext } from '../tracing.ts';

export type Severity = 'low' | 'medium' | 'high';
export type LeadTemperature = 'hot' | 'warm' | 'cold' | 'unqualified';
export type BookingStatus = 'booked' | 'not_booked' | 'service_not_offered';
/** One call-outcome category for every vocabulary Shunya may use (decision D14). */
export type CallOutcomeCategory =
  | 'qualified_and_booked'
  | 'qualified_but_unbooked'
  | 'qualified_service_not_offered'
  | 'not_qualified';
export type LeadStatus =
  | 'new'
  | 'qualified_booked'
  | 'qualified_unbooked'
  | 'qualified_service_not_offered'
  | 'nurturing'
  | 'closed_won'
  | 'closed_lost';
export type MeetingOutcome = 'won' | 'lost' | 'pending' | 'no_show' | 'rescheduled';
export type AppointmentType = 'in-person' | 'virtual' | 'phone';
export type OperationKind = 'transcription' | 'analysis' | 'segmentation';

export interface SpeakerLabel {
  speaker: string;
  text: string;
  start_time: number;
  end_time: number;
  confidence: number | null;
}

/** §6.1. Required: transcript_text (may be the empty string only if Shunya sent it so). */
export interface Transcript {
  call_id: number | null;
  transcript_id: number | null;
  task_id: string | null;
  transcript_text: string;
  /** Ordered by start_time (§6.7). */
  speaker_labels: SpeakerLabel[];
  confidence_score: number | null;
  language: string;
  word_count: number;
  duration_seconds: number | null;
}

export interface BantScores {
  budget: number | null;
  authority: number | null;
  need: number | null;
  timeline: number | null;
}

export interface Qualification {
  /** As Shunya sent it, trimmed (either vocabulary). */
  qualification_status: string;
  lead_temperature: LeadTemperature | null;
  booking_status: BookingStatus | null;
  /** Derived: one category whatever vocabulary Shunya used; null when the values say none (D75). */
  call_outcome_category: CallOutcomeCategory | null;
  /** Derived: the lead status this call implies; null leaves the lead as it is (D75). */
  lead_status: LeadStatus | null;
  /** Derived: qualified unless the lead is unqualified; null for a status outside every vocabulary. */
  lead_quality: 'qualified' | 'unqualified' | null;
  bant_scores: BantScores | null;
  overall_score: number | null;
  confidence_score: number | null;
  decision_makers: string[];
  urgency_signals: string[];
  budget_indicators: string[];
  appointment_confirmed: boolean | null;
  /** ISO 8601, from qualification.appointment_date or entities.appointment_date / scheduled_time. */
  appointment_date: string | null;
  appointment_type: AppointmentType | null;
  service_requested: string | null;
}

export interface Objection {
  objection_text: string;
  category_id: number | null;
  category_text: string | null;
  severity: Severity | null;
  overcome: boolean | null;
  timestamp: number | null;
  speaker_id: string | null;
  response_suggestions: string[];
  confidence_score: number | null;
}

export interface CoachingTip {
  tip: string;
  priority: Severity | null;
  category: string | null;
  timestamp: number | null;
}

export interface Compliance {
  /** 0–10 (§10.1); Shunya's 0–1 values are scaled (decision D8). */
  compliance_score: number;
  stages_followed: string[];
  stages_missed: string[];
  violations: string[];
  positive_behaviors: string[];
  recommendations: CoachingTip[];
}

export interface PendingAction {
  /** Human-readable: the handoff's `action`, else Shunya's raw_text, else the action type. */
  action: string;
  /** Shunya's ActionType when given and recognised. */
  action_type: string | null;
  /** ISO 8601. */
  due_at: string | null;
  priority: Severity | null;
  contact_method: string | null;
  confidence: number | null;
  raw_text: string | null;
}

export interface MissedOpportunity {
  description: string;
  type: string | null;
  /** The handoff's severity or Shunya's impact. */
  severity: Severity | null;
  timestamp: number | null;
  suggestion: string | null;
}

export interface Entities {
  address: string | null;
  appointment_date: string | null;
  scheduled_time: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
}

/**
 * An enumeration value outside Otto's vocabularies (D75): kept as received, so an operator sees new
 * vocabulary arriving. `field` is a fixed name (a metric label), `path` where it was in the payload.
 */
export interface UnmappedValue {
  field: string;
  path: string;
  /** As received (a string; other scalars stringified), clipped to 200 characters. */
  value: string;
}

/**
 * The complete analysis (§4.3). Required (§10.3): qualification.qualification_status,
 * objections.objections, compliance.compliance_score, a sentiment score, summary.summary.
 */
export interface CompleteAnalysis {
  call_id: number | null;
  job_id: string | null;
  qualification: Qualification;
  /** Ordered by timestamp (§6.7). */
  objections: Objection[];
  compliance: Compliance;
  summary: { summary: string; key_points: string[]; action_items: string[]; next_steps: string[] };
  /** 0–1, from the top level or summary.sentiment_score. */
  sentiment_score: number;
  /** From the top level and summary.pending_actions, de-duplicated; ordered by due_at, nulls last (§6.7). */
  pending_actions: PendingAction[];
  /** A sales visit's actions (§3.2 step 3.4): top-level and summary.visit_actions, like pending_actions (D76). */
  visit_actions: PendingAction[];
  /** From the top level and opportunity_analysis.missed_opportunities. */
  missed_opportunities: MissedOpportunity[];
  entities: Entities;
  /** A sales visit's outcome when the analysis carries one. */
  outcome: MeetingOutcome | null;
  /** Enumeration values outside Otto's vocabularies, as received (D75). */
  unmapped_values: UnmappedValue[];
}

export interface SegmentationPart {
  start_time: number | null;
  end_time: number | null;
  duration: number | null;
  content: string | null;
  key_points: string[];
}

/** §6.2. Required: part1 and part2. */
export interface Segmentation {
  call_id: number | null;
  part1: SegmentationPart;
  part2: SegmentationPart;
  transition_point: number | null;
  segmentation_confidence: number | null;
  transition_indicators: string[];
  meeting_structure_score: number | null;
  outcome: MeetingOutcome | null;
  /** Enumeration values outside Otto's vocabularies, as received (D75). */
  unmapped_values: UnmappedValue[];
}

/** A Shunya error as Otto understands it (§5.1), from any envelope shape or none. */
export interface ShunyaErrorInfo {
  error_code: string;
  error_type: string;
  message: string;
  retryable: boolean;
  details: Record<string, unknown>;
  timestamp: string | null;
  request_id: string | null;
}

/**
 * What a failed Shunya request means, decided once, by the client, when it builds the error (§9.1, §9.2;
 * D16, D35, D96). The client reads `retryInProcess`, `countsAgainstBreaker` and `retryAfterMs`; the job
 * layer reads `disposition` and `retryAfterMs`.
 */
export interface ErrorMeaning {
  /**
   * For the job layer: `later` is flow control (an open breaker, a rate limit: try again after
   * `retryAfterMs`, no attempt consumed); `transient` is a failed attempt, retried with the job-level
   * backoff; `permanent` fails the job (401/403, validation, `retryable: false`).
   */
  disposition: 'later' | 'transient' | 'permanent';
  /** retried by the client within the logical operation (§4.1: 5xx retryable, 429, timeouts, network) */
  retryInProcess: boolean;
  /** Shunya unwell or unreachable: counts against the breaker of its endpoint and tenant (§9.1) */
  countsAgainstBreaker: boolean;
  /** how long Shunya (Retry-After) or the breaker asked to wait; null when nobody said */
  retryAfterMs: number | null;
  /** Shunya answered, but not in a form Otto can read: not JSON, an unknown status, no job id (D80) */
  unreadable: boolean;
}

/** A webhook body in either profile (decision D1), before the result is normalised by its kind. */
export interface WebhookEnvelope {
  profile: 'handoff' | 'shunya';
  /** shunya_job_id, else job_id, else task_id. */
  shunya_job_id: string | null;
  company_id: string | null;
  status: 'completed' | 'failed' | 'processing' | null;
  /** Known from Shunya's event_type; null in the handoff profile (Otto knows it from the operation). */
  kind: OperationKind | null;
  call_id: number | null;
  /** The raw result (`result` or `data`), to normalise according to the operation's kind. */
  result: unknown;
  error: ShunyaErrorInfo | null;
}

/**
 * What a normaliser returns. `ok: false` means the payload lacks what §10.3 requires (or cannot be
 * understood): nothing of it may be surfaced. `missing` lists required or optional fields that were
 * absent; `defaulted` lists fields that were given a default value; `problems` explains `ok: false`.
 */
export type Normalized<T> =
  | { ok: true; value: T; missing: string[]; defaulted: string[] }
  | { ok: false; missing: string[]; defaulted: string[]; problems: string[] };

// ---------------------------------------------------------------------------------------------------
// The client (src/shunya/client.ts)

export interface RequestOptions {
  /** X-Request-ID: one per logical operation, the same across its retries. */
  requestId: string;
  /** Idempotency-Key for POSTs: the same across retries of one logical operation. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** the span the request is made under: each attempt is a client span in it, its traceparent sent (D197, D360) */
  trace?: TraceContext | undefined;
}

export interface Submitted {
  /** task_id (transcription) or job_id (analysis, segmentation). */
  shunya_job_id: string;
  transcript_id: number | null;
}

/**
 * The state of one remote Shunya job (an operation, §4), as a status endpoint answers: not Otto's job status
 * (jobs/model.ts JobStatus), nor the contract's (generated/otto JobStatus).
 */
export interface RemoteJobStatus {
  state: 'queued' | 'processing' | 'completed' | 'failed';
  error: ShunyaErrorInfo | null;
}

/** A status endpoint's answer as the client reads it: the state, and the response it came in (D382). */
export interface PolledStatus extends RemoteJobStatus {
  /** the answer's own 2xx status */
  httpStatus: number;
  /** Shunya's X-Request-ID on the answer, null when it sent none */
  shunyaRequestId: string | null;
}

export interface ShunyaClient {
  transcribe(
    companyId: string,
    body: { call_id: number; audio_url: string; call_type: 'csr_call' | 'sales_call'; language?: string },
    opts: RequestOptions,
  ): Promise<Submitted>;
  getTranscriptionStatus(companyId: string, callId: number, opts: RequestOptions): Promise<PolledStatus>;
  /** The raw transcript body; normalise with normalizeTranscript. */
  getTranscript(companyId: string, callId: number, opts: RequestOptions): Promise<unknown>;
  startAnalysis(companyId: string, callId: number, opts: RequestOptions): Promise<Submitted>;
  getAnalysisStatus(companyId: string, callId: number, opts: RequestOptions): Promise<PolledStatus>;
  getCompleteAnalysis(companyId: string, callId: number, opts: RequestOptions): Promise<unknown>;
  /** Shunya may answer synchronously with the result (200) or asynchronously with a job (202): decision D3. */
  analyzeSegmentation(
    companyId: string,
    body: { call_id: number; analysis_type?: 'full' | 'quick' },
    opts: RequestOptions,
  ): Promise<{ mode: 'sync'; result: unknown } | { mode: 'async'; submitted: Submitted }>;
  getSegmentationStatus(companyId: string, callId: number, opts: RequestOptions): Promise<PolledStatus>;
  getSegmentationAnalysis(companyId: string, callId: number, opts: RequestOptions): Promise<unknown>;
  health(opts: RequestOptions): Promise<{ status: string }>;
  /** Circuit breaker states, for the ops API and metrics. */
  breakerStates(): BreakerState[];
  /** Another process's breaker for (endpoint, tenant) opened until `untilMs`: refuse calls here too (D101). */
  breakerOpenedElsewhere(endpoint: string, companyId: string, untilMs: number): void;
}

export interface BreakerState {
  /** Method and path template, e.g. `GET /api/v1/analysis/complete/{call_id}`. */
  endpoint: string;
  company_id: string;
  state: 'closed' | 'open' | 'half_open';
  consecutive_failures: number;
  opened_at: string | null;
}
