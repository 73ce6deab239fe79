// The domain effects of each finished stage (§3.1 step 3.3, §3.2 step 3.4), decided here and written by the
// stage's one statement (transitions/stages/, D330), each guarded there on the job having moved: what the
// stage adds to the job's output, and the rows it writes (their events follow from the rows). Every write
// is keyed, so that applying the same result twice changes nothing.
import { randomUUID } from 'node:crypto';
import { type Source, signalRows, taskRows } from '../domain/followups.ts';
import type { JobRow, OperationRow, SalesVisitJob } from '../jobs/model.ts';
import type { DomainRow } from '../jobs/transitions/index.ts';
import { mergePendingActions } from '../shunya/normalize/analysis-items.ts';
import type { CompleteAnalysis, Segmentation, Transcript } from '../shunya/types.ts';
import { withoutConversation } from './ghost.ts';

export type StageResult = Transcript | CompleteAnalysis | Segmentation;

export interface StageEffects {
  output: Record<string, unknown>;
  domain: DomainRow[];
}

export function stageEffects(job: JobRow, op: OperationRow, result: StageResult): StageEffects {
  const uwcJobId = op.shunya_job_id;
  // no text of a ghost visit's conversation is stored anywhere (D87)
  const value =
    job.job_type === 'sales_visit' && job.input_payload.ghost_mode
      ? withoutConversation(op.kind, result)
      : result;
  if (job.job_type === 'csr_call' && op.kind !== 'segmentation')
    return csrStageEffects(op.kind, job.company_id, job.input_payload.call_id, value, uwcJobId);
  if (job.job_type === 'sales_visit') {
    if (op.kind === 'transcription') return visitTranscript(job, value as Transcript, uwcJobId);
    if (op.kind === 'segmentation') return { output: { segmentation: value }, domain: [] };
    if (op.kind === 'analysis') return visitAnalysis(job, value as CompleteAnalysis, uwcJobId);
  }
  throw new Error(`No stage ${job.job_type}/${op.kind}`);
}

/**
 * A CSR call's stage, from the result alone: the job gives only its company and call id, which a webhook's
 * folded completion passes as the webhook's company and OWNER_KEY, put in place by SQL (D510).
 */
export function csrStageEffects(
  kind: 'transcription' | 'analysis',
  companyId: string,
  callId: string,
  result: StageResult,
  uwcJobId: string | null,
): StageEffects {
  if (kind === 'transcription') return transcript(result as Transcript, uwcJobId);
  return csrAnalysis(companyId, callId, result as CompleteAnalysis, uwcJobId);
}

function transcript(t: Transcript, uwcJobId: string | null): StageEffects {
  const id = randomUUID();
  return {
    output: {
      transcription: {
        transcript_id: id,
        word_count: t.word_count,
        confidence_score: t.confidence_score,
        language: t.language,
      },
    },
    domain: [{ row: 'transcript', id, transcript: t, uwcJobId }],
  };
}

function visitTranscript(job: SalesVisitJob, t: Transcript, uwcJobId: string | null): StageEffects {
  // Ghost mode: Shunya transcribes (it cannot analyse otherwise) but Otto stores no transcript (decision D30).
  if (job.input_payload.ghost_mode) return { output: { transcription: { ghost_mode: true } }, domain: [] };
  return transcript(t, uwcJobId);
}

function csrAnalysis(
  companyId: string,
  callId: string,
  a: CompleteAnalysis,
  uwcJobId: string | null,
): StageEffects {
  const q = a.qualification;
  const source: Source = { companyId, callId, recordingSessionId: null };
  const domain: DomainRow[] = [
    { row: 'analysis', analysis: a, uwcJobId },
    {
      row: 'tasks',
      rows: taskRows(source, 'pending_action', mergePendingActions([a.pending_actions, a.visit_actions])),
    },
    { row: 'signals', rows: signalRows(source, a) },
  ];
  // D75: a classification outside every vocabulary leaves the lead as it is
  if (q.lead_status)
    domain.push({
      row: 'leadStatus',
      status: q.lead_status,
      classification: {
        call_outcome_category: q.call_outcome_category,
        qualification_status: q.qualification_status,
        booking_status: q.booking_status,
        lead_temperature: q.lead_temperature,
      },
    });
  if (q.call_outcome_category === 'qualified_and_booked')
    domain.push({ row: 'appointment', scheduledAt: q.appointment_date, type: q.appointment_type });
  if (a.entities.address) domain.push({ row: 'property', address: a.entities.address });
  return { output: { analysis: a }, domain };
}

function visitAnalysis(job: SalesVisitJob, a: CompleteAnalysis, uwcJobId: string | null): StageEffects {
  const segmentation = job.output_payload?.segmentation as Segmentation | undefined;
  if (!segmentation) throw new Error(`Job ${job.id} reached visit analysis without a segmentation`);
  const outcome = segmentation.outcome ?? a.outcome;
  const companyId = job.company_id;
  const sessionId = job.input_payload.recording_session_id;
  const source: Source = { companyId, callId: null, recordingSessionId: sessionId };
  const domain: DomainRow[] = [
    { row: 'analysis', analysis: a, uwcJobId },
    { row: 'visit', segmentation, outcome },
    // §3.2 step 3.4 "Create Tasks from visit_actions": both lists, each action once (D76)
    {
      row: 'tasks',
      rows: taskRows(source, 'visit_action', mergePendingActions([a.visit_actions, a.pending_actions])),
    },
    { row: 'signals', rows: signalRows(source, a) },
  ];
  if (outcome === 'won' || outcome === 'lost')
    domain.push({
      row: 'leadStatus',
      status: outcome === 'won' ? 'closed_won' : 'closed_lost',
      classification: { meeting_outcome: outcome },
    });
  return { output: { analysis: a }, domain };
}
