// completeStage for a sales visit's transcription (transcription → segmentation; running → running, pending
// → pending). As a call's (call-transcription.ts), with the session's transcript and no event; in ghost mode
// (:transcriptId null) no transcript is stored at all (D30, D87).
import { INBOX, NEXT_STEP, OUTPUT_HASH, SETTLED, UNPOLLED } from './parts.ts';

export const VISIT_TRANSCRIPTION = `WITH moved AS (
       UPDATE shunya_jobs SET stage = 'segmentation', output_payload = :output::jsonb, processed_output_hash = ${OUTPUT_HASH},
              updated_at = now()
       WHERE id = :job AND company_id = :company AND job_status = :status AND job_status IN ('running', 'pending') AND stage = 'transcription'
         AND EXISTS (SELECT 1 FROM shunya_operations WHERE id = :operation AND status IN ('submitting', 'submitted'))
       RETURNING id, job_status, stage, to_jsonb(shunya_jobs) AS job)
     , ${SETTLED}
     , ${UNPOLLED}
     , transcript AS (
       INSERT INTO recording_transcripts (id, company_id, recording_session_id, transcript_text, speaker_labels, confidence_score,
                                     language, word_count, available, uwc_job_id)
       SELECT :transcriptId::uuid, :company::uuid, :owner::uuid, :transcriptText, :speakerLabels::jsonb, :confidence::float8,
              :language, :wordCount::int, true, :uwcJobId
       FROM moved WHERE :transcriptId::uuid IS NOT NULL
       ON CONFLICT (company_id, recording_session_id) DO UPDATE SET
         id = EXCLUDED.id, transcript_text = EXCLUDED.transcript_text, speaker_labels = EXCLUDED.speaker_labels,
         confidence_score = EXCLUDED.confidence_score, language = EXCLUDED.language,
         word_count = EXCLUDED.word_count, available = EXCLUDED.available, uwc_job_id = EXCLUDED.uwc_job_id
       WHERE recording_transcripts.available = false
       RETURNING id)
     , ${NEXT_STEP}
     , ${INBOX}
     SELECT (SELECT count(*) FROM moved)::int AS moved, ARRAY[]::text[] AS event_types, (SELECT count(*) FROM unpolled)::int AS unpolled,
            (SELECT count(*) FROM step)::int AS step, (SELECT count(*) FROM inbox)::int AS inboxed,
            0 AS free, 0 AS admitted`;
