// completeStage for a CSR call's transcription (transcription → analysis; running → running, pending →
// pending). The job moves on, guarded by the status and stage it was read with and by its operation being
// still live; only then is the operation settled, its fallback poll removed, the transcript written (a
// placeholder left by an earlier failed attempt is replaced, §9.3) with its call.transcribed event, the
// next step added for a running job, and a webhook's inbox row written (D85, D331).
import { INBOX, NEXT_STEP, OUTPUT_HASH, SETTLED, UNPOLLED } from './parts.ts';

export const CALL_TRANSCRIPTION = `WITH moved AS (
       UPDATE shunya_jobs SET stage = 'analysis', output_payload = :output::jsonb, processed_output_hash = ${OUTPUT_HASH},
              updated_at = now()
       WHERE id = :job AND company_id = :company AND job_status = :status AND job_status IN ('running', 'pending') AND stage = 'transcription'
         AND EXISTS (SELECT 1 FROM shunya_operations WHERE id = :operation AND status IN ('submitting', 'submitted'))
       RETURNING id, job_status, stage, to_jsonb(shunya_jobs) AS job)
     , ${SETTLED}
     , ${UNPOLLED}
     , transcript AS (
       INSERT INTO call_transcripts (id, company_id, call_id, transcript_text, speaker_labels, confidence_score,
                                     language, word_count, available, uwc_job_id)
       SELECT :transcriptId::uuid, :company::uuid, :owner::uuid, :transcriptText, :speakerLabels::jsonb, :confidence::float8,
              :language, :wordCount::int, true, :uwcJobId
       FROM moved WHERE :transcriptId::uuid IS NOT NULL
       ON CONFLICT (company_id, call_id) DO UPDATE SET
         id = EXCLUDED.id, transcript_text = EXCLUDED.transcript_text, speaker_labels = EXCLUDED.speaker_labels,
         confidence_score = EXCLUDED.confidence_score, language = EXCLUDED.language,
         word_count = EXCLUDED.word_count, available = EXCLUDED.available, uwc_job_id = EXCLUDED.uwc_job_id
       WHERE call_transcripts.available = false
       RETURNING id)
     , events AS (
       INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
       SELECT :company::uuid, 'call.transcribed', 'call', :owner::uuid,
              jsonb_build_object('call_id', :owner::uuid, 'transcript_id', id, 'confidence_score', :confidence::float8,
                                 'available', true)
       FROM transcript
       RETURNING id, event_type)
     , ${NEXT_STEP}
     , ${INBOX}
     SELECT (SELECT count(*) FROM moved)::int AS moved,
            ARRAY(SELECT event_type FROM events ORDER BY id) AS event_types, (SELECT count(*) FROM unpolled)::int AS unpolled,
            (SELECT count(*) FROM step)::int AS step, (SELECT count(*) FROM inbox)::int AS inboxed,
            0 AS free, 0 AS admitted`;
