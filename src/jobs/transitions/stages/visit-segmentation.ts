// completeStage for a sales visit's segmentation (segmentation → analysis; running → running, pending →
// pending): the segmentation is kept in the job's output only (the visit's analysis stores it), so the
// statement is the job's move, the operation, the next step and a webhook's inbox row (D85, D331).
export const VISIT_SEGMENTATION = `WITH moved AS (
       UPDATE shunya_jobs SET stage = 'analysis', output_payload = :output::jsonb, processed_output_hash = :outputHash,
              updated_at = now()
       WHERE id = :job AND job_status = :status AND job_status IN ('running', 'pending') AND stage = 'segmentation'
         AND EXISTS (SELECT 1 FROM shunya_operations WHERE id = :operation AND status IN ('submitting', 'submitted'))
       RETURNING id, job_status)
     , settled AS (
       UPDATE shunya_operations SET status = 'completed', result_hash = :resultHash, completed_at = :now,
              shunya_job_id = COALESCE(shunya_job_id, :adopt), submitted_at = COALESCE(submitted_at, :adoptedAt),
              updated_at = now()
       WHERE id = :operation AND EXISTS (SELECT 1 FROM moved) RETURNING id)
     , unpolled AS (SELECT graphile_worker.remove_job('poll:' || id) FROM settled)
     , step AS (
       SELECT graphile_worker.add_job(identifier => :advanceTask, payload => json_build_object('job_id', id))
       FROM moved WHERE job_status = 'running')
     , inbox AS (
       INSERT INTO webhook_deliveries (received_at, duration_ms, company_id, request_id, headers, body_bytes, body_sha256,
                                       redacted_body, profile, shunya_job_id, operation_id, job_id, verdict, http_status)
       SELECT :receivedAt::timestamptz,
              :elapsedMs::float8 + (1000 * extract(epoch FROM clock_timestamp() - statement_timestamp()))::float8,
              :company::uuid, :requestId::text, :headers::jsonb, :bodyBytes::int, :bodySha256::text, :redactedBody::jsonb,
              :profile::text, :shunyaJobId::text, :operation::uuid, :job::uuid, 'processed', :httpStatus::int
       FROM moved WHERE :inbox::boolean
       RETURNING id)
     SELECT (SELECT count(*) FROM moved)::int AS moved, ARRAY[]::text[] AS event_types, (SELECT count(*) FROM unpolled)::int AS unpolled,
            (SELECT count(*) FROM step)::int AS step, (SELECT count(*) FROM inbox)::int AS inboxed,
            0 AS free, 0 AS admitted`;
