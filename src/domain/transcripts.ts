// CallTranscript / RecordingTranscript (§10.1). One per call or session; an "unavailable" placeholder
// (failed transcription, §9.3) is replaced when a later attempt succeeds.
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../db/knex.ts';
import { compose, type Part, part, run, when } from '../db/statement.ts';
import type { Transcript } from '../shunya/types.ts';

type Owner =
  | { table: 'call_transcripts'; column: 'call_id' }
  | { table: 'recording_transcripts'; column: 'recording_session_id' };
export const CALL: Owner = { table: 'call_transcripts', column: 'call_id' };
export const SESSION: Owner = { table: 'recording_transcripts', column: 'recording_session_id' };

export interface TranscriptWrite {
  owner: Owner;
  companyId: string;
  ownerId: string;
  /** null: the empty "not available" placeholder */
  transcript: Transcript | null;
  uwcJobId: string | null;
  /** the id the row gets (a placeholder it replaces takes it too) */
  id: string;
}

/**
 * Stores a transcript, or the placeholder, when `guard` wrote; RETURNING id when it was written (a
 * transcript already available is kept, and then nothing is returned).
 */
export function transcriptPart(name: string, guard: string | null, w: TranscriptWrite): Part {
  const t = w.transcript;
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
  const { table, column } = w.owner;
  return part(
    name,
    `INSERT INTO ${table} (id, company_id, ${column}, transcript_text, speaker_labels, confidence_score,
                           language, word_count, available, uwc_job_id)
     SELECT ?::uuid, ?::uuid, ?::uuid, ?, ?::jsonb, ?::float8, ?, ?::int, ?::boolean, ? WHERE ${when(guard)}
     ON CONFLICT (company_id, ${column}) DO UPDATE SET
       id = EXCLUDED.id, transcript_text = EXCLUDED.transcript_text, speaker_labels = EXCLUDED.speaker_labels,
       confidence_score = EXCLUDED.confidence_score, language = EXCLUDED.language,
       word_count = EXCLUDED.word_count, available = EXCLUDED.available, uwc_job_id = EXCLUDED.uwc_job_id
     WHERE ${table}.available = false AND EXCLUDED.available = true
     RETURNING id`,
    [w.id, w.companyId, w.ownerId, ...values, w.uwcJobId],
  );
}

/** Stores a transcript, or (t = null) the empty "not available" placeholder. Returns its id and whether it changed. */
export async function saveTranscript(
  tx: Db | Tx,
  owner: Owner,
  companyId: string,
  ownerId: string,
  t: Transcript | null,
  uwcJobId: string | null,
): Promise<{ id: string; written: boolean }> {
  const w = { owner, companyId, ownerId, transcript: t, uwcJobId, id: randomUUID() };
  const rows = await run<{ id: string }>(
    tx,
    compose([transcriptPart('saved', null, w)], 'SELECT id FROM saved'),
  );
  if (rows[0]) return { id: rows[0].id, written: true };
  const existing = await tx(owner.table)
    .where({ company_id: companyId, [owner.column]: ownerId })
    .first('id');
  return { id: existing.id, written: false };
}
