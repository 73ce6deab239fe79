// CallTranscript / RecordingTranscript (§10.1). One per call or session; an "unavailable" placeholder
// (failed transcription, §9.3) is replaced when a later attempt succeeds.
import type { Tx } from '../db/knex.ts';
import type { Transcript } from '../shunya/types.ts';

type Owner =
  | { table: 'call_transcripts'; column: 'call_id' }
  | { table: 'recording_transcripts'; column: 'recording_session_id' };
export const CALL: Owner = { table: 'call_transcripts', column: 'call_id' };
export const SESSION: Owner = { table: 'recording_transcripts', column: 'recording_session_id' };

/** Stores a transcript, or (t = null) the empty "not available" placeholder. Returns its id and whether it changed. */
export async function saveTranscript(
  tx: Tx,
  owner: Owner,
  companyId: string,
  ownerId: string,
  t: Transcript | null,
  uwcJobId: string | null,
): Promise<{ id: string; written: boolean }> {
  const values = t
    ? [
        t.transcript_text,
        JSON.stringify(t.speaker_labels),
        t.confidence_score,
        t.language,
        t.word_count,
        true,
      ]
    : ['', '[]', null, 'en-US', 0, false];
  const res = await tx.raw(
    `INSERT INTO ${owner.table} (company_id, ${owner.column}, transcript_text, speaker_labels, confidence_score,
                                 language, word_count, available, uwc_job_id)
     VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)
     ON CONFLICT (company_id, ${owner.column}) DO UPDATE SET
       transcript_text = EXCLUDED.transcript_text, speaker_labels = EXCLUDED.speaker_labels,
       confidence_score = EXCLUDED.confidence_score, language = EXCLUDED.language,
       word_count = EXCLUDED.word_count, available = EXCLUDED.available, uwc_job_id = EXCLUDED.uwc_job_id
     WHERE ${owner.table}.available = false AND EXCLUDED.available = true
     RETURNING id`,
    [companyId, ownerId, ...values, uwcJobId],
  );
  if (res.rows.length > 0) return { id: res.rows[0].id, written: true };
  const existing = await tx(owner.table)
    .where({ company_id: companyId, [owner.column]: ownerId })
    .first('id');
  return { id: existing.id, written: false };
}
