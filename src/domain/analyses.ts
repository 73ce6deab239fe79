// CallAnalysis and RecordingAnalysis (§10.1): one per call and per recording session, written once.
import type { Db, Tx } from '../db/knex.ts';
import { compose, type Part, part, run, when } from '../db/statement.ts';
import type { CompleteAnalysis, MeetingOutcome, Segmentation } from '../shunya/types.ts';

/** Inserts the call's analysis when `guard` wrote, unless it exists; RETURNING id when inserted. */
export function callAnalysisPart(
  name: string,
  guard: string | null,
  companyId: string,
  callId: string,
  a: CompleteAnalysis,
  uwcJobId: string | null,
): Part {
  const q = a.qualification;
  return part(
    name,
    `INSERT INTO call_analyses (company_id, call_id, summary, objections, sentiment_score, sop_stages_completed,
       sop_stages_missed, sop_compliance_score, lead_quality, lead_temperature, call_outcome_category,
       qualification, analysis, uwc_job_id)
     SELECT ?::uuid, ?::uuid, ?, ?::jsonb, ?::float8, ?::jsonb, ?::jsonb, ?::float8, ?, ?, ?, ?::jsonb, ?::jsonb, ?
     WHERE ${when(guard)}
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
}

/** Inserts the session's analysis when `guard` wrote, unless it exists; RETURNING id when inserted. */
export function recordingAnalysisPart(
  name: string,
  guard: string | null,
  companyId: string,
  sessionId: string,
  a: CompleteAnalysis,
  s: Segmentation,
  outcome: MeetingOutcome | null,
  uwcJobId: string | null,
): Part {
  return part(
    name,
    `INSERT INTO recording_analyses (company_id, recording_session_id, outcome, summary, objections, sentiment_score,
       sop_compliance_score, segmentation, analysis, uwc_job_id)
     SELECT ?::uuid, ?::uuid, ?, ?, ?::jsonb, ?::float8, ?::float8, ?::jsonb, ?::jsonb, ? WHERE ${when(guard)}
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
}

/** Inserts the call's analysis unless it exists; returns its id, or null when it already existed. */
export async function insertCallAnalysis(
  tx: Db | Tx,
  companyId: string,
  callId: string,
  a: CompleteAnalysis,
  uwcJobId: string | null,
): Promise<string | null> {
  const rows = await run<{ id: string }>(
    tx,
    compose([callAnalysisPart('a', null, companyId, callId, a, uwcJobId)], 'SELECT id FROM a'),
  );
  return rows[0]?.id ?? null;
}

export async function insertRecordingAnalysis(
  tx: Db | Tx,
  companyId: string,
  sessionId: string,
  a: CompleteAnalysis,
  s: Segmentation,
  outcome: MeetingOutcome | null,
  uwcJobId: string | null,
): Promise<string | null> {
  const rows = await run<{ id: string }>(
    tx,
    compose(
      [recordingAnalysisPart('a', null, companyId, sessionId, a, s, outcome, uwcJobId)],
      'SELECT id FROM a',
    ),
  );
  return rows[0]?.id ?? null;
}
