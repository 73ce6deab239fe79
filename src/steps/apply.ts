// The domain effects of each finished stage (§3.1 step 3.3, §3.2 step 3.4), as parts of the stage's one
// completing statement (transitions/complete-stage.ts), each guarded on the job having moved (`moved`):
// what the stage adds to the job's output, the rows it writes, and their events in order. Every write is
// keyed, so that applying the same result twice changes nothing.
import { randomUUID } from 'node:crypto';
import type { Part } from '../db/statement.ts';
import { callAnalysisPart, callAnalyzedEvent, recordingAnalysisPart } from '../domain/analyses.ts';
import { appointmentForCallParts, appointmentOutcomeParts } from '../domain/appointments.ts';
import { propertyIntelligencePart, type Source, signalsPart, tasksPart } from '../domain/followups.ts';
import { leadOfCall, leadOfSession, leadStatusParts } from '../domain/leads.ts';
import type { EventPart } from '../domain/outbox.ts';
import { CALL, SESSION, transcriptPart } from '../domain/transcripts.ts';
import type { CsrCallJob, JobRow, OperationRow, SalesVisitJob } from '../jobs/model.ts';
import { mergePendingActions } from '../shunya/normalize/analysis-items.ts';
import type { CompleteAnalysis, Segmentation, Transcript } from '../shunya/types.ts';
import { withoutConversation } from './ghost.ts';

export type StageResult = Transcript | CompleteAnalysis | Segmentation;

export interface StageEffects {
  output: Record<string, unknown>;
  domain: (Part | null)[];
  events: EventPart[];
}

const GUARD = 'moved';

export function stageEffects(job: JobRow, op: OperationRow, result: StageResult): StageEffects {
  const uwcJobId = op.shunya_job_id;
  // no text of a ghost visit's conversation is stored anywhere (D87)
  const value =
    job.job_type === 'sales_visit' && job.input_payload.ghost_mode
      ? withoutConversation(op.kind, result)
      : result;
  if (job.job_type === 'csr_call') {
    if (op.kind === 'transcription') return csrTranscript(job, value as Transcript, uwcJobId);
    if (op.kind === 'analysis') return csrAnalysis(job, value as CompleteAnalysis, uwcJobId);
  } else {
    if (op.kind === 'transcription') return visitTranscript(job, value as Transcript, uwcJobId);
    if (op.kind === 'segmentation') return { output: { segmentation: value }, domain: [], events: [] };
    if (op.kind === 'analysis') return visitAnalysis(job, value as CompleteAnalysis, uwcJobId);
  }
  throw new Error(`No stage ${job.job_type}/${op.kind}`);
}

const transcriptMeta = (t: Transcript, id: string) => ({
  transcript_id: id,
  word_count: t.word_count,
  confidence_score: t.confidence_score,
  language: t.language,
});

function csrTranscript(job: CsrCallJob, t: Transcript, uwcJobId: string | null): StageEffects {
  const callId = job.input_payload.call_id;
  const id = randomUUID();
  return {
    output: { transcription: transcriptMeta(t, id) },
    domain: [
      transcriptPart('transcript', GUARD, {
        owner: CALL,
        companyId: job.company_id,
        ownerId: callId,
        transcript: t,
        uwcJobId,
        id,
      }),
    ],
    events: [
      {
        type: 'call.transcribed',
        aggregateType: 'call',
        from: `SELECT ?::uuid AS company_id, ?::uuid AS aggregate_id,
                      jsonb_build_object('call_id', ?::uuid, 'transcript_id', id, 'confidence_score', ?::float8,
                                         'available', true) AS payload FROM transcript`,
        bindings: [job.company_id, callId, callId, t.confidence_score],
      },
    ],
  };
}

function visitTranscript(job: SalesVisitJob, t: Transcript, uwcJobId: string | null): StageEffects {
  // Ghost mode: Shunya transcribes (it cannot analyse otherwise) but Otto stores no transcript (decision D30).
  if (job.input_payload.ghost_mode)
    return { output: { transcription: { ghost_mode: true } }, domain: [], events: [] };
  const id = randomUUID();
  const sessionId = job.input_payload.recording_session_id;
  return {
    output: { transcription: transcriptMeta(t, id) },
    domain: [
      transcriptPart('transcript', GUARD, {
        owner: SESSION,
        companyId: job.company_id,
        ownerId: sessionId,
        transcript: t,
        uwcJobId,
        id,
      }),
    ],
    events: [],
  };
}

function csrAnalysis(job: CsrCallJob, a: CompleteAnalysis, uwcJobId: string | null): StageEffects {
  const callId = job.input_payload.call_id;
  const companyId = job.company_id;
  const q = a.qualification;
  // D75: a classification outside every vocabulary leaves the lead as it is
  const lead = q.lead_status
    ? leadStatusParts('lead', GUARD, {
        companyId,
        lead: leadOfCall(companyId, callId),
        status: q.lead_status,
        classification: {
          call_outcome_category: q.call_outcome_category,
          qualification_status: q.qualification_status,
          booking_status: q.booking_status,
          lead_temperature: q.lead_temperature,
        },
        source: 'call',
      })
    : null;
  const booked =
    q.call_outcome_category === 'qualified_and_booked'
      ? appointmentForCallParts('appointment', GUARD, companyId, {
          callId,
          scheduledAt: q.appointment_date,
          type: q.appointment_type,
        })
      : null;
  const source: Source = { companyId, lead: leadOfCall(companyId, callId), callId, recordingSessionId: null };
  return {
    output: { analysis: a },
    domain: [
      callAnalysisPart('analysis', GUARD, companyId, callId, a, uwcJobId),
      ...(lead?.parts ?? []),
      booked?.part ?? null,
      tasksPart(
        'tasks',
        GUARD,
        source,
        'pending_action',
        mergePendingActions([a.pending_actions, a.visit_actions]),
      ),
      signalsPart('signals', GUARD, source, a),
      a.entities.address ? propertyIntelligencePart('property', GUARD, source, a.entities.address) : null,
    ],
    events: [
      callAnalyzedEvent('analysis', companyId, callId, a),
      ...(lead ? [lead.event] : []),
      ...(booked ? [booked.event] : []),
    ],
  };
}

function visitAnalysis(job: SalesVisitJob, a: CompleteAnalysis, uwcJobId: string | null): StageEffects {
  const segmentation = job.output_payload?.segmentation as Segmentation | undefined;
  if (!segmentation) throw new Error(`Job ${job.id} reached visit analysis without a segmentation`);
  const outcome = segmentation.outcome ?? a.outcome;
  const companyId = job.company_id;
  const sessionId = job.input_payload.recording_session_id;
  const appointment = outcome
    ? appointmentOutcomeParts('appointment', GUARD, companyId, sessionId, outcome)
    : null;
  const lead =
    outcome === 'won' || outcome === 'lost'
      ? leadStatusParts('lead', GUARD, {
          companyId,
          lead: leadOfSession(companyId, sessionId),
          status: outcome === 'won' ? 'closed_won' : 'closed_lost',
          classification: { meeting_outcome: outcome },
          source: 'visit',
        })
      : null;
  const source: Source = {
    companyId,
    lead: leadOfSession(companyId, sessionId),
    callId: null,
    recordingSessionId: sessionId,
  };
  return {
    output: { analysis: a },
    domain: [
      recordingAnalysisPart('analysis', GUARD, companyId, sessionId, a, segmentation, outcome, uwcJobId),
      ...(appointment?.parts ?? []),
      ...(lead?.parts ?? []),
      // §3.2 step 3.4 "Create Tasks from visit_actions": both lists, each action once (D76)
      tasksPart(
        'tasks',
        GUARD,
        source,
        'visit_action',
        mergePendingActions([a.visit_actions, a.pending_actions]),
      ),
      signalsPart('signals', GUARD, source, a),
    ],
    events: [
      {
        type: 'recording_session.analyzed',
        aggregateType: 'recording_session',
        from: `SELECT ?::uuid AS company_id, ?::uuid AS aggregate_id, ?::jsonb AS payload FROM analysis`,
        bindings: [companyId, sessionId, JSON.stringify({ session_id: sessionId, outcome })],
      },
      ...(appointment ? [appointment.event] : []),
      ...(lead ? [lead.event] : []),
    ],
  };
}
