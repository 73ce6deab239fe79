// completeStage for a CSR call's analysis, its last stage (running | pending → succeeded). The job ends,
// guarded by the status and stage it was read with and by its operation being still live; only then: the
// operation is settled and its fallback poll removed; the call's analysis, the lead's status (D31: a won
// deal is not reopened by a call; D75: none for a classification outside every vocabulary), the booked
// call's appointment, the tasks, key signals and property-intelligence request are written, each keyed so
// that nothing is written twice; their events and shunya.job.succeeded follow in that order; the attempt
// is closed; a webhook's inbox row is written (D85, D331). A job that was running gives its slot back and
// the tenant's next due jobs are admitted into the slots then free, in this same statement (D332): the
// admission row is locked after the job's row (the lock order of D97: running jobs, then the admission row,
// then pending jobs), and from `cap` on it is admit.ts's choice with the freed slot counted (parts.ts's
// FREED_SLOT_ADMISSION). The parts every stage shares are parts.ts's named texts (D420).
import {
  ADMITTED_STEPS,
  ATTEMPT_SUCCEEDED,
  FREED_SLOT_ADMISSION,
  INBOX,
  OUTPUT_HASH,
  SETTLED,
  UNPOLLED,
} from './parts.ts';

export const CALL_ANALYSIS = `WITH moved AS (
       UPDATE shunya_jobs SET stage = 'done', output_payload = :output::jsonb, processed_output_hash = ${OUTPUT_HASH},
              job_status = 'succeeded', next_attempt_at = NULL, completed_at = now(), updated_at = now()
       WHERE id = :job AND company_id = :company AND job_status = :status AND job_status IN ('running', 'pending') AND stage = 'analysis'
         AND EXISTS (SELECT 1 FROM shunya_operations WHERE id = :operation AND status IN ('submitting', 'submitted'))
       RETURNING id)
     , ${SETTLED}
     , ${UNPOLLED}
     , analysis AS (
       INSERT INTO call_analyses (company_id, call_id, summary, objections, sentiment_score, sop_stages_completed,
                                  sop_stages_missed, sop_compliance_score, lead_quality, lead_temperature,
                                  call_outcome_category, qualification, analysis, uwc_job_id)
       SELECT :company::uuid, :owner::uuid, :summary, :objections::jsonb, :sentiment::float8, :stagesFollowed::jsonb,
              :stagesMissed::jsonb, :compliance::float8, :leadQuality, :leadTemperature, :outcomeCategory,
              :qualification::jsonb, :analysis::jsonb, :uwcJobId
       FROM moved WHERE :analysis::jsonb IS NOT NULL
       ON CONFLICT (company_id, call_id) DO NOTHING
       RETURNING id)
     , lead_was AS (
       SELECT id, status FROM leads
       WHERE company_id = :company AND id = (SELECT lead_id FROM calls WHERE company_id = :company AND id = :owner)
         AND :leadStatus::text IS NOT NULL AND EXISTS (SELECT 1 FROM moved)
       FOR UPDATE)
     , lead AS (
       UPDATE leads l SET status = :leadStatus, classification = :classification::jsonb, status_changed_at = now(),
              updated_at = now()
       FROM lead_was w WHERE l.id = w.id AND w.status <> :leadStatus AND w.status <> 'closed_won'
       RETURNING l.id, w.status AS previous)
     , appointment AS (
       INSERT INTO appointments (company_id, lead_id, call_id, scheduled_at, appointment_type)
       SELECT c.company_id, c.lead_id, c.id, :appointmentAt::timestamptz, :appointmentType FROM calls c
       WHERE c.company_id = :company AND c.id = :owner AND :booked::boolean AND EXISTS (SELECT 1 FROM moved)
       ON CONFLICT (company_id, call_id) WHERE call_id IS NOT NULL DO NOTHING
       RETURNING id, lead_id)
     , tasks AS (
       INSERT INTO tasks (company_id, task_key, source, lead_id, call_id, recording_session_id, action_type, title,
                          due_at, priority, contact_method, assignee_role)
       SELECT :company::uuid, replace(r.task_key, '{owner}', :owner::text), 'pending_action',
              (SELECT lead_id FROM calls WHERE company_id = :company AND id = :owner), :owner::uuid, NULL,
              r.action_type, r.title, r.due_at, r.priority, r.contact_method, r.assignee_role
       FROM jsonb_to_recordset(:tasks::jsonb) AS r(task_key text, action_type text, title text, due_at timestamptz,
                                                   priority text, contact_method text, assignee_role text)
       WHERE EXISTS (SELECT 1 FROM moved)
       ON CONFLICT (company_id, task_key) DO NOTHING)
     , signals AS (
       INSERT INTO key_signals (company_id, signal_key, signal_type, severity, title, details, lead_id, call_id,
                                recording_session_id)
       SELECT :company::uuid, replace(r.signal_key, '{owner}', :owner::text), r.signal_type, r.severity, r.title, r.details,
              (SELECT lead_id FROM calls WHERE company_id = :company AND id = :owner), :owner::uuid, NULL
       FROM jsonb_to_recordset(:signals::jsonb) AS r(signal_key text, signal_type text, severity text, title text,
                                                     details jsonb)
       WHERE EXISTS (SELECT 1 FROM moved)
       ON CONFLICT (company_id, signal_key) DO NOTHING)
     , property AS (
       INSERT INTO property_intelligence_requests (company_id, call_id, lead_id, address)
       SELECT :company::uuid, :owner::uuid, (SELECT lead_id FROM calls WHERE company_id = :company AND id = :owner),
              :address::text
       FROM moved WHERE :address::text IS NOT NULL
       ON CONFLICT (company_id, call_id) DO NOTHING)
     , ${ATTEMPT_SUCCEEDED}
     , events AS (
       INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
       SELECT :company::uuid, event_type, aggregate_type, aggregate_id, payload FROM (
         SELECT 1 AS ord, 'call.analyzed'::text AS event_type, 'call'::text AS aggregate_type, :owner::uuid AS aggregate_id,
                :analyzed::jsonb || jsonb_build_object('analysis_id', id, 'call_id', :owner::uuid) AS payload FROM analysis
         UNION ALL
         SELECT 2, 'lead.updated', 'lead', id,
                jsonb_build_object('lead_id', id, 'status', :leadStatus::text, 'previous_status', previous,
                                   'classification', :classification::jsonb) FROM lead
         UNION ALL
         SELECT 3, 'appointment.created', 'appointment', id,
                jsonb_build_object('appointment_id', id, 'lead_id', lead_id, 'call_id', :owner::uuid,
                                   'scheduled_at', :appointmentAt::text) FROM appointment
         UNION ALL
         SELECT 4, 'shunya.job.succeeded', 'shunya_job', id,
                jsonb_build_object('job_id', id, 'job_type', 'csr_call', 'call_id', :owner::uuid, 'recording_session_id', NULL)
         FROM moved) e
       ORDER BY ord
       RETURNING id, event_type)
     , ${INBOX}
     , ${FREED_SLOT_ADMISSION}
     SELECT (SELECT count(*) FROM moved)::int AS moved,
            ARRAY(SELECT event_type FROM events ORDER BY id) AS event_types, (SELECT count(*) FROM unpolled)::int AS unpolled,
            (SELECT count(*) FROM events)::int AS events, 0 AS step, (SELECT count(*) FROM inbox)::int AS inboxed,
            (SELECT n FROM free)::int AS free,
            ${ADMITTED_STEPS} AS admitted`;
