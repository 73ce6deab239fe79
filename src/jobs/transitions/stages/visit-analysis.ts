// completeStage for a sales visit's analysis, its last stage (running | pending → succeeded). As a call's
// (call-analysis.ts, where the admission in the same statement is explained, D332), with the visit's rows:
// the recording analysis with its segmentation, the appointment's outcome (a decided outcome completes the
// appointment), the lead's status for a won or lost deal, the tasks from both action lists (D76) and the key
// signals; their events are recording_session.analyzed, appointment.outcome_updated, lead.updated, then
// shunya.job.succeeded. The visit's lead is its appointment's (none without an appointment).
import {
  ADMITTED_STEPS,
  ATTEMPT_SUCCEEDED,
  FREED_SLOT_ADMISSION,
  INBOX,
  OUTPUT_HASH,
  SETTLED,
  UNPOLLED,
} from './parts.ts';

export const VISIT_ANALYSIS = `WITH moved AS (
       UPDATE shunya_jobs SET stage = 'done', output_payload = :output::jsonb, processed_output_hash = ${OUTPUT_HASH},
              job_status = 'succeeded', next_attempt_at = NULL, completed_at = now(), updated_at = now()
       WHERE id = :job AND company_id = :company AND job_status = :status AND job_status IN ('running', 'pending') AND stage = 'analysis'
         AND EXISTS (SELECT 1 FROM shunya_operations WHERE id = :operation AND status IN ('submitting', 'submitted'))
       RETURNING id)
     , ${SETTLED}
     , ${UNPOLLED}
     , analysis AS (
       INSERT INTO recording_analyses (company_id, recording_session_id, outcome, summary, objections, sentiment_score,
                                       sop_compliance_score, segmentation, analysis, uwc_job_id)
       SELECT :company::uuid, :owner::uuid, :outcome::text, :summary, :objections::jsonb, :sentiment::float8,
              :compliance::float8, :segmentation::jsonb, :analysis::jsonb, :uwcJobId
       FROM moved WHERE :analysis::jsonb IS NOT NULL
       ON CONFLICT (company_id, recording_session_id) DO NOTHING
       RETURNING id)
     , appointment_was AS (
       SELECT a.id, a.outcome FROM appointments a
       JOIN recording_sessions s ON s.company_id = a.company_id AND s.appointment_id = a.id
       WHERE s.company_id = :company AND s.id = :owner AND :outcome::text IS NOT NULL AND EXISTS (SELECT 1 FROM moved)
       FOR UPDATE OF a)
     , appointment AS (
       UPDATE appointments a SET outcome = :outcome::text,
              status = CASE WHEN :outcome::text IN ('won', 'lost', 'no_show') THEN 'completed' ELSE 'scheduled' END,
              outcome_updated_at = now(), updated_at = now()
       FROM appointment_was w WHERE a.id = w.id AND w.outcome IS DISTINCT FROM :outcome::text
       RETURNING a.id, w.outcome AS previous)
     , lead_was AS (
       SELECT id, status FROM leads
       WHERE company_id = :company AND id = (SELECT a.lead_id FROM recording_sessions s JOIN appointments a ON a.company_id = s.company_id AND a.id = s.appointment_id
                WHERE s.company_id = :company AND s.id = :owner)
         AND :leadStatus::text IS NOT NULL AND EXISTS (SELECT 1 FROM moved)
       FOR UPDATE)
     , lead AS (
       UPDATE leads l SET status = :leadStatus, classification = :classification::jsonb, status_changed_at = now(),
              updated_at = now()
       FROM lead_was w WHERE l.id = w.id AND w.status <> :leadStatus
       RETURNING l.id, w.status AS previous)
     , tasks AS (
       INSERT INTO tasks (company_id, task_key, source, lead_id, call_id, recording_session_id, action_type, title,
                          due_at, priority, contact_method, assignee_role)
       SELECT :company::uuid, r.task_key, 'visit_action', (SELECT a.lead_id FROM recording_sessions s JOIN appointments a ON a.company_id = s.company_id AND a.id = s.appointment_id
                WHERE s.company_id = :company AND s.id = :owner), NULL, :owner::uuid,
              r.action_type, r.title, r.due_at, r.priority, r.contact_method, r.assignee_role
       FROM jsonb_to_recordset(:tasks::jsonb) AS r(task_key text, action_type text, title text, due_at timestamptz,
                                                   priority text, contact_method text, assignee_role text)
       WHERE EXISTS (SELECT 1 FROM moved)
       ON CONFLICT (company_id, task_key) DO NOTHING)
     , signals AS (
       INSERT INTO key_signals (company_id, signal_key, signal_type, severity, title, details, lead_id, call_id,
                                recording_session_id)
       SELECT :company::uuid, r.signal_key, r.signal_type, r.severity, r.title, r.details, (SELECT a.lead_id FROM recording_sessions s JOIN appointments a ON a.company_id = s.company_id AND a.id = s.appointment_id
                WHERE s.company_id = :company AND s.id = :owner), NULL, :owner::uuid
       FROM jsonb_to_recordset(:signals::jsonb) AS r(signal_key text, signal_type text, severity text, title text,
                                                     details jsonb)
       WHERE EXISTS (SELECT 1 FROM moved)
       ON CONFLICT (company_id, signal_key) DO NOTHING)
     , ${ATTEMPT_SUCCEEDED}
     , events AS (
       INSERT INTO outbox_events (company_id, event_type, aggregate_type, aggregate_id, payload)
       SELECT :company::uuid, event_type, aggregate_type, aggregate_id, payload FROM (
         SELECT 1 AS ord, 'recording_session.analyzed'::text AS event_type, 'recording_session'::text AS aggregate_type,
                :owner::uuid AS aggregate_id, :analyzed::jsonb AS payload FROM analysis
         UNION ALL
         SELECT 2, 'appointment.outcome_updated', 'appointment', id,
                jsonb_build_object('appointment_id', id, 'outcome', :outcome::text, 'previous_outcome', previous)
         FROM appointment
         UNION ALL
         SELECT 3, 'lead.updated', 'lead', id,
                jsonb_build_object('lead_id', id, 'status', :leadStatus::text, 'previous_status', previous,
                                   'classification', :classification::jsonb) FROM lead
         UNION ALL
         SELECT 4, 'shunya.job.succeeded', 'shunya_job', id, :succeeded::jsonb FROM moved) e
       ORDER BY ord
       RETURNING id, event_type)
     , ${INBOX}
     , ${FREED_SLOT_ADMISSION}
     SELECT (SELECT count(*) FROM moved)::int AS moved,
            ARRAY(SELECT event_type FROM events ORDER BY id) AS event_types, (SELECT count(*) FROM unpolled)::int AS unpolled,
            (SELECT count(*) FROM events)::int AS events, 0 AS step, (SELECT count(*) FROM inbox)::int AS inboxed,
            (SELECT n FROM free)::int AS free,
            ${ADMITTED_STEPS} AS admitted`;
