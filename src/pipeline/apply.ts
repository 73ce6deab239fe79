// The domain effects of each finished stage (§3.1 step 3.3, §3.2 step 3.4), applied inside the completion
// transaction. Every write is keyed so that applying the same result twice changes nothing.
import type { Tx } from '../db/knex.ts';
import { insertCallAnalysis, insertRecordingAnalysis } from '../domain/analyses.ts';
import { createAppointmentForCall, findAppointment, setAppointmentOutcome } from '../domain/appointments.ts';
import { insertSignals, insertTasks, requestPropertyIntelligence, type Source } from '../domain/followups.ts';
import { setLeadStatus } from '../domain/leads.ts';
import { insertEvents, type NewEvent } from '../domain/outbox.ts';
import { CALL, SESSION, saveTranscript } from '../domain/transcripts.ts';
import { mergePendingActions } from '../shunya/normalize/analysis-items.ts';
import type { CompleteAnalysis, Segmentation, Transcript } from '../shunya/types.ts';
import { sha256Hex, stableStringify } from '../util/hash.ts';
import { admitNext } from './admission.ts';
import type { PipelineDeps } from './deps.ts';
import { withoutConversation } from './ghost.ts';
import { type CsrInput, type JobRow, nextStage, type OperationRow, type VisitInput } from './model.ts';
import { enqueue, TASK } from './queue.ts';
import { finishAttempt, updateJob } from './store.ts';
import { storedOutput } from './stored-output.ts';

export type StageResult = Transcript | CompleteAnalysis | Segmentation;

export async function applyStage(
  tx: Tx,
  deps: PipelineDeps,
  job: JobRow,
  op: OperationRow,
  value: StageResult,
): Promise<void> {
  const key = `${job.job_type}/${op.kind}`;
  // no text of a ghost visit’s conversation is stored anywhere (D87)
  if ((job.input_payload as VisitInput).ghost_mode) value = withoutConversation(op.kind, value);
  switch (key) {
    case 'csr_call/transcription':
      return csrTranscript(tx, deps, job, op, value as Transcript);
    case 'csr_call/analysis':
      return csrAnalysis(tx, deps, job, op, value as CompleteAnalysis);
    case 'sales_visit/transcription':
      return visitTranscript(tx, deps, job, op, value as Transcript);
    case 'sales_visit/segmentation':
      return moveOn(tx, deps, job, { segmentation: value }, []);
    case 'sales_visit/analysis':
      return visitAnalysis(tx, deps, job, op, value as CompleteAnalysis);
    default:
      throw new Error(`No stage ${key}`);
  }
}

const transcriptMeta = (t: Transcript, id: string | null) => ({
  transcript_id: id,
  word_count: t.word_count,
  confidence_score: t.confidence_score,
  language: t.language,
});

async function csrTranscript(tx: Tx, deps: PipelineDeps, job: JobRow, op: OperationRow, t: Transcript) {
  const input = job.input_payload as CsrInput;
  const saved = await saveTranscript(tx, CALL, job.company_id, input.call_id, t, op.shunya_job_id);
  const events: NewEvent[] = saved.written
    ? [
        {
          type: 'call.transcribed',
          companyId: job.company_id,
          aggregateType: 'call',
          aggregateId: input.call_id,
          data: {
            call_id: input.call_id,
            transcript_id: saved.id,
            confidence_score: t.confidence_score,
            available: true,
          },
        },
      ]
    : [];
  await moveOn(tx, deps, job, { transcription: transcriptMeta(t, saved.id) }, events);
}

async function visitTranscript(tx: Tx, deps: PipelineDeps, job: JobRow, op: OperationRow, t: Transcript) {
  const input = job.input_payload as VisitInput;
  // Ghost mode: Shunya transcribes (it cannot analyse otherwise) but Otto stores no transcript (decision D30).
  if (input.ghost_mode) return moveOn(tx, deps, job, { transcription: { ghost_mode: true } }, []);
  const saved = await saveTranscript(
    tx,
    SESSION,
    job.company_id,
    input.recording_session_id,
    t,
    op.shunya_job_id,
  );
  await moveOn(tx, deps, job, { transcription: transcriptMeta(t, saved.id) }, []);
}

async function csrAnalysis(tx: Tx, deps: PipelineDeps, job: JobRow, op: OperationRow, a: CompleteAnalysis) {
  const input = job.input_payload as CsrInput;
  const call = (await tx('calls')
    .where({ company_id: job.company_id, id: input.call_id })
    .first('lead_id')) as { lead_id: string | null };
  const q = a.qualification;
  const events: NewEvent[] = [];
  const analysisId = await insertCallAnalysis(tx, job.company_id, input.call_id, a, op.shunya_job_id);
  if (analysisId)
    events.push({
      type: 'call.analyzed',
      companyId: job.company_id,
      aggregateType: 'call',
      aggregateId: input.call_id,
      data: {
        call_id: input.call_id,
        analysis_id: analysisId,
        lead_quality: q.lead_quality,
        sentiment_score: a.sentiment_score,
        sop_compliance_score: a.compliance.compliance_score,
      },
    });
  const classification = {
    call_outcome_category: q.call_outcome_category,
    qualification_status: q.qualification_status,
    booking_status: q.booking_status,
    lead_temperature: q.lead_temperature,
  };
  // D75: a classification outside every vocabulary leaves the lead as it is
  if (call.lead_id && q.lead_status) {
    const e = await setLeadStatus(tx, job.company_id, call.lead_id, q.lead_status, classification, 'call');
    if (e) events.push(e);
  }
  if (q.call_outcome_category === 'qualified_and_booked') {
    const e = await createAppointmentForCall(tx, job.company_id, {
      leadId: call.lead_id,
      callId: input.call_id,
      scheduledAt: q.appointment_date,
      type: q.appointment_type,
    });
    if (e) events.push(e);
  }
  const source: Source = {
    companyId: job.company_id,
    leadId: call.lead_id,
    callId: input.call_id,
    recordingSessionId: null,
  };
  await insertTasks(tx, source, 'pending_action', mergePendingActions([a.pending_actions, a.visit_actions]));
  await insertSignals(tx, source, a);
  if (a.entities.address) await requestPropertyIntelligence(tx, source, a.entities.address);
  await moveOn(tx, deps, job, { analysis: a }, events);
}

async function visitAnalysis(tx: Tx, deps: PipelineDeps, job: JobRow, op: OperationRow, a: CompleteAnalysis) {
  const input = job.input_payload as VisitInput;
  const segmentation = job.output_payload?.segmentation as Segmentation | undefined;
  if (!segmentation) throw new Error(`Job ${job.id} reached visit analysis without a segmentation`);
  const outcome = segmentation.outcome ?? a.outcome;
  const events: NewEvent[] = [];
  const session = (await tx('recording_sessions')
    .where({ company_id: job.company_id, id: input.recording_session_id })
    .first('appointment_id')) as { appointment_id: string | null };
  const analysisId = await insertRecordingAnalysis(
    tx,
    job.company_id,
    input.recording_session_id,
    a,
    segmentation,
    outcome,
    op.shunya_job_id,
  );
  if (analysisId)
    events.push({
      type: 'recording_session.analyzed',
      companyId: job.company_id,
      aggregateType: 'recording_session',
      aggregateId: input.recording_session_id,
      data: { session_id: input.recording_session_id, outcome },
    });
  const appointment = session.appointment_id
    ? await findAppointment(tx, job.company_id, session.appointment_id)
    : undefined;
  if (appointment && outcome) {
    const e = await setAppointmentOutcome(tx, job.company_id, appointment.id, outcome);
    if (e) events.push(e);
  }
  const leadId = appointment?.lead_id ?? null;
  if (leadId && (outcome === 'won' || outcome === 'lost')) {
    const status = outcome === 'won' ? 'closed_won' : 'closed_lost';
    const e = await setLeadStatus(tx, job.company_id, leadId, status, { meeting_outcome: outcome }, 'visit');
    if (e) events.push(e);
  }
  const source: Source = {
    companyId: job.company_id,
    leadId,
    callId: null,
    recordingSessionId: input.recording_session_id,
  };
  // §3.2 step 3.4 "Create Tasks from visit_actions": both lists, each action once (D76)
  await insertTasks(tx, source, 'visit_action', mergePendingActions([a.visit_actions, a.pending_actions]));
  await insertSignals(tx, source, a);
  await moveOn(tx, deps, job, { analysis: a }, events);
}

/** Records the stage's output and moves the job to its next stage, or to succeeded after the last one. */
async function moveOn(
  tx: Tx,
  deps: PipelineDeps,
  job: JobRow,
  output: Record<string, unknown>,
  events: NewEvent[],
) {
  const output_payload = { ...(job.output_payload ?? {}), ...output };
  const hash = sha256Hex(stableStringify(output_payload));
  const stage = nextStage(job.job_type, job.stage);
  if (stage !== 'done') {
    await updateJob(tx, job.id, {
      stage,
      output_payload: JSON.stringify(storedOutput(output_payload, false)),
      processed_output_hash: hash,
    });
    if (job.job_status === 'running')
      await enqueue(tx, TASK.advance, { job_id: job.id }, { jobKey: `advance:${job.id}` });
    await insertEvents(tx, events);
    return;
  }
  await updateJob(tx, job.id, {
    stage,
    job_status: 'succeeded',
    next_attempt_at: null,
    completed_at: tx.fn.now(),
    output_payload: JSON.stringify(storedOutput(output_payload, true)),
    processed_output_hash: hash,
  });
  await finishAttempt(tx, job.id, 'succeeded');
  events.push({
    type: 'shunya.job.succeeded',
    companyId: job.company_id,
    aggregateType: 'shunya_job',
    aggregateId: job.id,
    data: {
      job_id: job.id,
      job_type: job.job_type,
      call_id: job.call_id,
      recording_session_id: job.recording_session_id,
    },
  });
  await insertEvents(tx, events);
  await admitNext(tx, deps, job.company_id); // the slot this job held is free
  deps.logger.info({ job_id: job.id, job_type: job.job_type }, 'job succeeded');
}
