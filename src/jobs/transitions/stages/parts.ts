// The parts the five stage statements share, each one named SQL text that every statement needing it
// interpolates (D420, as admission's choice is one text, D402): a reader of a statement sees where each
// part goes and reads it here once; a writer changes it once. Each is a whole CTE, `name AS (…)`, that
// reads `moved` (the job's guarded move, which differs per stage) and the statement's named parameters.
// Every `moved` is guarded by the job's tenant as well (`company_id = :company`): the events and inbox row
// the parts write take `:company`, and no foreign key per event checks it any more (D570).
import { ADMISSION_CHOICE, ADMITTED_EVENTS } from '../admit.ts';
import { stepPayload } from '../step-payload.ts';

/**
 * The job's processed_output_hash: SHA-256 of the output_payload it stores, as jsonb writes it (keys sorted
 * and unique, so the same payload has one text), computed where the payload is, so that a completion whose
 * payload is merged in SQL (D510) hashes what it stored (D511).
 */
export const OUTPUT_HASH = `encode(sha256(convert_to((:output::jsonb)::text, 'UTF8')), 'hex')`;

/** The stage's operation is settled (completed), Shunya's id adopted when the webhook outran the answer (D36). */
export const SETTLED = `settled AS (
       UPDATE shunya_operations SET status = 'completed', result_hash = :resultHash, completed_at = :now,
              shunya_job_id = COALESCE(shunya_job_id, :adopt), submitted_at = COALESCE(submitted_at, :adoptedAt),
              updated_at = now()
       WHERE id = :operation AND EXISTS (SELECT 1 FROM moved) RETURNING id)`;

/** The settled operation's fallback poll is removed: nothing is left to poll for. */
export const UNPOLLED = `unpolled AS (SELECT graphile_worker.remove_job('poll:' || id) FROM settled)`;

/**
 * The next stage's operation and its step, for a job still running (a pending one gets both when admitted).
 * The step carries the job as `moved` left it and the new operation, as admission's does (D340), so that
 * its first run submits without reading them (D421); when the stage already has a live operation (none is
 * created), the step carries the job id alone and reads, as before.
 */
export const NEXT_STEP = `next_op AS (
       INSERT INTO shunya_operations (company_id, job_id, kind)
       SELECT :company::uuid, id, stage FROM moved WHERE job_status = 'running'
       ON CONFLICT (job_id, kind) WHERE status <> 'superseded' DO NOTHING
       RETURNING job_id, to_jsonb(shunya_operations) AS op)
     , step AS (
       SELECT graphile_worker.add_job(identifier => :advanceTask,
                                      payload => ${stepPayload('m.id', 'm.job', 'n.op')})
       FROM moved m LEFT JOIN next_op n ON n.job_id = m.id WHERE m.job_status = 'running')`;

/** The last stage closes the job's attempt. */
export const ATTEMPT_SUCCEEDED = `attempt AS (
       UPDATE shunya_job_attempts SET outcome = 'succeeded', error = NULL, finished_at = now()
       WHERE id = (SELECT max(id) FROM shunya_job_attempts WHERE job_id = :job) AND EXISTS (SELECT 1 FROM moved))`;

/**
 * A completing webhook's inbox row (D85), written exactly when the completion applied (D331); its
 * duration runs to the statement's end, measured in SQL.
 */
export const INBOX = `inbox AS (
       INSERT INTO webhook_deliveries (received_at, duration_ms, company_id, request_id, headers, body_bytes, body_sha256,
                                       redacted_body, profile, shunya_job_id, operation_id, job_id, verdict, http_status)
       SELECT :receivedAt::timestamptz,
              :elapsedMs::float8 + (1000 * extract(epoch FROM clock_timestamp() - statement_timestamp()))::float8,
              :company::uuid, :requestId::text, :headers::jsonb, :bodyBytes::int, :bodySha256::text, :redactedBody::jsonb,
              :profile::text, :shunyaJobId::text, :operation::uuid, :job::uuid, 'processed', :httpStatus::int
       FROM moved WHERE :inbox::boolean
       RETURNING id)`;

/**
 * A last stage's admission (D332): after the job's row, its rows and its events, `cap` locks the tenant's
 * admission row with the freed slot counted, admission's own choice follows (D402), and one UPDATE both
 * frees the slot and adds what was started, whose attempts and operator events follow. A pending job's
 * completion frees nothing and locks nothing (`cap` is empty).
 */
export const FREED_SLOT_ADMISSION = `cap AS (
       SELECT greatest(running - 1, 0) AS running, admitted FROM tenant_admission
       WHERE company_id = :company AND :status::text = 'running' AND (SELECT count(*) FROM events) > 0
       FOR UPDATE
     ), ${ADMISSION_CHOICE}
     ), counted AS (
       UPDATE tenant_admission SET running = greatest(running - 1, 0) + (SELECT count(*) FROM started),
              admitted = admitted + (SELECT count(*) FROM started WHERE fresh)
       WHERE company_id = :company AND EXISTS (SELECT 1 FROM cap)
     ), admitted_attempt AS (
       INSERT INTO shunya_job_attempts (company_id, job_id, attempt, stage)
       SELECT company_id, id, attempts, stage FROM started
     ), announced AS (
       ${ADMITTED_EVENTS}
     )`;

/** The steps of the jobs FREED_SLOT_ADMISSION started, each carrying its job and new operation (D340); their count. */
export const ADMITTED_STEPS = `(SELECT count(*) FROM (SELECT graphile_worker.add_job(identifier => :advanceTask, job_key => 'advance:' || s.id,
                                     payload => ${stepPayload('s.id', 's.job', 'op.op')})
                                   FROM started s LEFT JOIN op ON op.job_id = s.id) a)::int`;
