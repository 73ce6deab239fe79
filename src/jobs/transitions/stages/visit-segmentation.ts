// completeStage for a sales visit's segmentation (segmentation → analysis; running → running, pending →
// pending): the segmentation is kept in the job's output only (the visit's analysis stores it), so the
// statement is the job's move, the operation, the next step and a webhook's inbox row (D85, D331).
import { INBOX, NEXT_STEP, OUTPUT_HASH, SETTLED, UNPOLLED } from './parts.ts';

export const VISIT_SEGMENTATION = `WITH moved AS (
       UPDATE shunya_jobs SET stage = 'analysis', output_payload = :output::jsonb, processed_output_hash = ${OUTPUT_HASH},
              updated_at = now()
       WHERE id = :job AND company_id = :company AND job_status = :status AND job_status IN ('running', 'pending') AND stage = 'segmentation'
         AND EXISTS (SELECT 1 FROM shunya_operations WHERE id = :operation AND status IN ('submitting', 'submitted'))
       RETURNING id, job_status, stage, to_jsonb(shunya_jobs) AS job)
     , ${SETTLED}
     , ${UNPOLLED}
     , ${NEXT_STEP}
     , ${INBOX}
     SELECT (SELECT count(*) FROM moved)::int AS moved, ARRAY[]::text[] AS event_types, (SELECT count(*) FROM unpolled)::int AS unpolled,
            (SELECT count(*) FROM step)::int AS step, (SELECT count(*) FROM inbox)::int AS inboxed,
            0 AS free, 0 AS admitted`;
