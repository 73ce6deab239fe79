-- 0001: Otto's integration schema.
-- Tenancy is a database fact: every tenant-owned row carries company_id NOT NULL, and references
-- between tenant-owned rows are composite (company_id, id) foreign keys, so a row can never point at
-- another tenant's row. Idempotency is a database fact too: see the UNIQUE constraints marked (§4.6).

-- Otto's numeric ids for Shunya (Shunya's `call_id` is an integer). Calls and recording sessions share
-- one sequence so that a number names exactly one of them within a tenant.
CREATE SEQUENCE shunya_call_id_seq START WITH 10001;

CREATE TABLE companies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  callrail_company_id text UNIQUE,
  callrail_signing_key text NOT NULL,
  callrail_signature_algorithm text NOT NULL DEFAULT 'hmac-sha1'
    CHECK (callrail_signature_algorithm IN ('hmac-sha1', 'hmac-sha256')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE leads (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies (id),
  customer_phone text,
  customer_name text,
  status text NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'qualified_booked', 'qualified_unbooked', 'qualified_service_not_offered',
                      'nurturing', 'closed_won', 'closed_lost')),
  classification jsonb,
  status_changed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  UNIQUE (company_id, customer_phone)
);
CREATE INDEX leads_company_status_idx ON leads (company_id, status);

CREATE TABLE calls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies (id),
  shunya_call_id bigint NOT NULL UNIQUE DEFAULT nextval('shunya_call_id_seq'),
  callrail_call_id text NOT NULL,
  lead_id uuid,
  recording_url text,
  customer_phone text,
  customer_name text,
  duration_seconds integer CHECK (duration_seconds >= 0),
  direction text,
  answered boolean,
  started_at timestamptz,
  callrail_payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  -- a repeated CallRail delivery finds the same call (§3.1)
  UNIQUE (company_id, callrail_call_id),
  FOREIGN KEY (company_id, lead_id) REFERENCES leads (company_id, id)
);
CREATE INDEX calls_company_created_idx ON calls (company_id, created_at DESC);
CREATE INDEX calls_lead_idx ON calls (company_id, lead_id);

CREATE TABLE appointments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies (id),
  lead_id uuid,
  call_id uuid,
  scheduled_at timestamptz,
  appointment_type text CHECK (appointment_type IN ('in-person', 'virtual', 'phone')),
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'completed', 'cancelled')),
  outcome text CHECK (outcome IN ('won', 'lost', 'pending', 'no_show', 'rescheduled')),
  outcome_updated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  FOREIGN KEY (company_id, lead_id) REFERENCES leads (company_id, id),
  FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id)
);
-- one appointment per booked call, however often its analysis is delivered
CREATE UNIQUE INDEX appointments_one_per_call_idx ON appointments (company_id, call_id) WHERE call_id IS NOT NULL;
CREATE INDEX appointments_lead_idx ON appointments (company_id, lead_id);

CREATE TABLE recording_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies (id),
  shunya_call_id bigint NOT NULL UNIQUE DEFAULT nextval('shunya_call_id_seq'),
  appointment_id uuid,
  audio_url text,
  audio_format text CHECK (audio_format IN ('mp3', 'wav', 'm4a')),
  file_size_bytes bigint CHECK (file_size_bytes > 0),
  duration_seconds double precision CHECK (duration_seconds > 0),
  ghost_mode boolean NOT NULL DEFAULT false,
  uploaded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  FOREIGN KEY (company_id, appointment_id) REFERENCES appointments (company_id, id)
);
CREATE INDEX recording_sessions_company_created_idx ON recording_sessions (company_id, created_at DESC);

-- One row per unit of Otto's work with Shunya (§2.1, §9.1, §10.1).
CREATE TABLE shunya_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies (id),
  job_type text NOT NULL CHECK (job_type IN ('csr_call', 'sales_visit')),
  job_status text NOT NULL DEFAULT 'pending'
    CHECK (job_status IN ('pending', 'running', 'succeeded', 'failed', 'timeout')),
  stage text NOT NULL DEFAULT 'transcription'
    CHECK (stage IN ('transcription', 'analysis', 'segmentation', 'done')),
  call_id uuid,
  recording_session_id uuid,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  next_attempt_at timestamptz,
  input_payload jsonb NOT NULL,
  output_payload jsonb,
  processed_output_hash text,
  last_error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  UNIQUE (company_id, id),
  FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id),
  FOREIGN KEY (company_id, recording_session_id) REFERENCES recording_sessions (company_id, id),
  CHECK ((job_type = 'csr_call' AND call_id IS NOT NULL AND recording_session_id IS NULL)
      OR (job_type = 'sales_visit' AND recording_session_id IS NOT NULL AND call_id IS NULL))
);
-- one job per call and per recording session
CREATE UNIQUE INDEX shunya_jobs_one_per_call_idx ON shunya_jobs (company_id, call_id) WHERE call_id IS NOT NULL;
CREATE UNIQUE INDEX shunya_jobs_one_per_session_idx ON shunya_jobs (company_id, recording_session_id)
  WHERE recording_session_id IS NOT NULL;
CREATE INDEX shunya_jobs_status_type_idx ON shunya_jobs (job_status, job_type, created_at DESC);
CREATE INDEX shunya_jobs_company_status_idx ON shunya_jobs (company_id, job_status, created_at DESC);
CREATE INDEX shunya_jobs_open_created_idx ON shunya_jobs (created_at) WHERE job_status IN ('pending', 'running');

-- Each job-level attempt, for the ops API's job detail.
CREATE TABLE shunya_job_attempts (
  id bigserial PRIMARY KEY,
  company_id uuid NOT NULL,
  job_id uuid NOT NULL,
  attempt integer NOT NULL CHECK (attempt >= 1),
  stage text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  outcome text NOT NULL DEFAULT 'running'
    CHECK (outcome IN ('running', 'submitted', 'waiting', 'succeeded', 'retry_scheduled', 'failed')),
  error jsonb,
  FOREIGN KEY (company_id, job_id) REFERENCES shunya_jobs (company_id, id)
);
CREATE INDEX shunya_job_attempts_job_idx ON shunya_job_attempts (job_id, id);

-- A durable row for each remote Shunya operation, carrying Shunya's id (§4.6 method 2).
CREATE TABLE shunya_operations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL,
  job_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('transcription', 'analysis', 'segmentation')),
  -- Shunya's task_id / job_id; null until Shunya has answered the submission
  shunya_job_id text,
  transcript_id bigint,
  status text NOT NULL DEFAULT 'submitting'
    CHECK (status IN ('submitting', 'submitted', 'completed', 'failed', 'superseded')),
  -- stable across the HTTP retries of this submission, new for a resubmission (§4.6 method 1)
  idempotency_key uuid NOT NULL DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL DEFAULT gen_random_uuid(),
  submitted_at timestamptz,
  completed_at timestamptz,
  poll_count integer NOT NULL DEFAULT 0,
  next_poll_at timestamptz,
  result_hash text,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  -- Shunya's ids are unique per tenant (§4.6 method 2)
  UNIQUE (company_id, shunya_job_id),
  FOREIGN KEY (company_id, job_id) REFERENCES shunya_jobs (company_id, id)
);
-- at most one live operation per job and stage; superseded ones stay for audit and late webhooks
CREATE UNIQUE INDEX shunya_operations_live_idx ON shunya_operations (job_id, kind) WHERE status <> 'superseded';
CREATE INDEX shunya_operations_shunya_id_idx ON shunya_operations (shunya_job_id);

CREATE TABLE call_transcripts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL,
  call_id uuid NOT NULL,
  transcript_text text NOT NULL DEFAULT '',
  speaker_labels jsonb NOT NULL DEFAULT '[]',
  confidence_score double precision CHECK (confidence_score BETWEEN 0 AND 1),
  language text NOT NULL DEFAULT 'en-US',
  word_count integer NOT NULL DEFAULT 0 CHECK (word_count >= 0),
  -- false when transcription failed: the call is kept with an empty transcript (§9.3)
  available boolean NOT NULL DEFAULT true,
  uwc_job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  UNIQUE (company_id, call_id),
  FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id)
);

CREATE TABLE call_analyses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL,
  call_id uuid NOT NULL,
  summary text NOT NULL,
  objections jsonb NOT NULL,
  sentiment_score double precision NOT NULL CHECK (sentiment_score BETWEEN 0 AND 1),
  sop_stages_completed jsonb NOT NULL,
  sop_stages_missed jsonb NOT NULL,
  sop_compliance_score double precision NOT NULL CHECK (sop_compliance_score BETWEEN 0 AND 10),
  lead_quality text CHECK (lead_quality IN ('qualified', 'unqualified')),
  lead_temperature text CHECK (lead_temperature IN ('hot', 'warm', 'cold', 'unqualified')),
  call_outcome_category text,
  qualification jsonb NOT NULL,
  -- the whole normalised analysis, for reads that need more than the columns above
  analysis jsonb NOT NULL,
  uwc_job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  -- one analysis per call (the Python implementation inserted two)
  UNIQUE (company_id, call_id),
  FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id)
);

CREATE TABLE recording_transcripts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL,
  recording_session_id uuid NOT NULL,
  transcript_text text NOT NULL DEFAULT '',
  speaker_labels jsonb NOT NULL DEFAULT '[]',
  confidence_score double precision CHECK (confidence_score BETWEEN 0 AND 1),
  language text NOT NULL DEFAULT 'en-US',
  word_count integer NOT NULL DEFAULT 0 CHECK (word_count >= 0),
  available boolean NOT NULL DEFAULT true,
  uwc_job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  UNIQUE (company_id, recording_session_id),
  FOREIGN KEY (company_id, recording_session_id) REFERENCES recording_sessions (company_id, id)
);

CREATE TABLE recording_analyses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL,
  recording_session_id uuid NOT NULL,
  outcome text CHECK (outcome IN ('won', 'lost', 'pending', 'no_show', 'rescheduled')),
  summary text NOT NULL,
  objections jsonb NOT NULL,
  sentiment_score double precision NOT NULL CHECK (sentiment_score BETWEEN 0 AND 1),
  sop_compliance_score double precision NOT NULL CHECK (sop_compliance_score BETWEEN 0 AND 10),
  segmentation jsonb NOT NULL,
  analysis jsonb NOT NULL,
  uwc_job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  -- one analysis per recording session
  UNIQUE (company_id, recording_session_id),
  FOREIGN KEY (company_id, recording_session_id) REFERENCES recording_sessions (company_id, id)
);

-- Follow-ups from pending_actions (calls) and visit actions (sales visits).
CREATE TABLE tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL,
  -- deterministic from the source and the action, so a redelivered analysis creates nothing new
  task_key text NOT NULL,
  source text NOT NULL CHECK (source IN ('pending_action', 'visit_action')),
  lead_id uuid,
  call_id uuid,
  recording_session_id uuid,
  action_type text,
  title text NOT NULL,
  due_at timestamptz,
  priority text CHECK (priority IN ('low', 'medium', 'high')),
  contact_method text,
  assignee_role text CHECK (assignee_role IN ('csr', 'sales_rep', 'manager')),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  UNIQUE (company_id, task_key),
  FOREIGN KEY (company_id, lead_id) REFERENCES leads (company_id, id),
  FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id),
  FOREIGN KEY (company_id, recording_session_id) REFERENCES recording_sessions (company_id, id)
);
CREATE INDEX tasks_company_status_idx ON tasks (company_id, status, due_at);

-- High-priority insights: high-severity objections, missed opportunities, urgency.
CREATE TABLE key_signals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL,
  signal_key text NOT NULL,
  signal_type text NOT NULL CHECK (signal_type IN ('high_severity_objection', 'missed_opportunity', 'urgency')),
  severity text CHECK (severity IN ('low', 'medium', 'high')),
  title text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  lead_id uuid,
  call_id uuid,
  recording_session_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  UNIQUE (company_id, signal_key),
  FOREIGN KEY (company_id, lead_id) REFERENCES leads (company_id, id),
  FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id),
  FOREIGN KEY (company_id, recording_session_id) REFERENCES recording_sessions (company_id, id)
);
CREATE INDEX key_signals_company_created_idx ON key_signals (company_id, created_at DESC);

-- "Trigger property intelligence when address extracted" (§2.1): recorded here for the service that runs it.
CREATE TABLE property_intelligence_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL,
  call_id uuid NOT NULL,
  lead_id uuid,
  address text NOT NULL,
  status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'completed', 'failed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, id),
  UNIQUE (company_id, call_id),
  FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id),
  FOREIGN KEY (company_id, lead_id) REFERENCES leads (company_id, id)
);

-- The raw inbox of every Shunya webhook delivery, for audit and replay. company_id is null for a
-- delivery that could not be attributed to a tenant (bad signature, unknown job): it is not tenant-owned.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid REFERENCES companies (id),
  received_at timestamptz NOT NULL DEFAULT now(),
  request_id text,
  headers jsonb NOT NULL,
  raw_body bytea NOT NULL,
  profile text CHECK (profile IN ('handoff', 'shunya')),
  shunya_job_id text,
  operation_id uuid REFERENCES shunya_operations (id),
  job_id uuid REFERENCES shunya_jobs (id),
  verdict text NOT NULL,
  http_status integer NOT NULL,
  error text
);
CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id, received_at);
CREATE INDEX webhook_deliveries_company_idx ON webhook_deliveries (company_id, received_at DESC);
CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);

-- Domain events, written in the same transaction as the change they describe, after that transaction
-- has locked the aggregate's row: so `id` increases in commit order per aggregate. `position` is handed
-- out after commit by the outbox relay (gap-free, in publication order) and is the id the event stream
-- exposes, so a reader resuming after position N never skips an event committed late.
CREATE TABLE outbox_events (
  id bigserial PRIMARY KEY,
  company_id uuid NOT NULL REFERENCES companies (id),
  event_type text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id uuid NOT NULL,
  payload jsonb NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  position bigint UNIQUE,
  published_at timestamptz
);
CREATE INDEX outbox_events_unpublished_idx ON outbox_events (id) WHERE position IS NULL;
CREATE INDEX outbox_events_company_position_idx ON outbox_events (company_id, position) WHERE position IS NOT NULL;
CREATE INDEX outbox_events_occurred_idx ON outbox_events (occurred_at);
