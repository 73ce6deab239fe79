// CallAnalysis and RecordingAnalysis (§10.1): one per call and per recording session, written once.
import type { Tx } from '../db/knex.ts';
import type { CompleteAnalysis, MeetingOutcome, Segmentation } from '../shunya/types.ts';

/** Inserts the call's analysis unless it exists; returns its id, or null when it already existed. */
export async function insertCallAnalysis(
  tx: Tx,
  companyId: string,
  callId: string,
  a: CompleteAnalysis,
  uwcJobId: string | null,
): Promise<string | null> {
  const q = a.qualification;
  const res = await tx.raw(
    `INSERT INTO call_analyses (company_id, call_id, summary, objections, sentiment_score, sop_stages_completed,
       sop_stages_missed, sop_compliance_score, lead_quality, lead_temperature, call_outcome_category,
       qualification, analysis, uwc_job_id)
     VALUES (?, ?, ?, ?::jsonb, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)
     ON CONFLICT (company_id, call_id) DO NOTHING
     RETURNING id`,
    [
      companyId,
      callId,
      a.summary.summary,
      JSON.stringify(a.objections),
      a.sentiment_score,
      JSON.stringify(a.compliance.stages_followed),
      JSON.stringify(a.compliance.stages_missed),
      a.compliance.compliance_score,
      q.lead_quality,
      q.lead_temperature,
      q.call_outcome_category,
      JSON.stringify(q),
      JSON.stringify(a),
      uwcJobId,
    ],
  );
  return res.rows[0]?.id ?? null;
}

export async function insertRecordingAnalysis(
  tx: Tx,
  companyId: string,
  sessionId: string,
  a: CompleteAnalysis,
  s: Segmentation,
  outcome: MeetingOutcome | null,
  uwcJobId: string | null,
): Promise<string | null> {
  const res = await tx.raw(
    `INSERT INTO recording_analyses (company_id, recording_session_id, outcome, summary, objections, sentiment_score,
       sop_compliance_score, segmentation, analysis, uwc_job_id)
     VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?::jsonb, ?)
     ON CONFLICT (company_id, recording_session_id) DO NOTHING
     RETURNING id`,
    [
      companyId,
      sessionId,
      outcome,
      a.summary.summary,
      JSON.stringify(a.objections),
      a.sentiment_score,
      a.compliance.compliance_score,
      JSON.stringify(s),
      JSON.stringify(a),
      uwcJobId,
    ],
  );
  return res.rows[0]?.id ?? null;
}
