-- 0007: named operator tokens (replacing the single shared admin token; OTTO_ADMIN_TOKEN stays one operator)
-- and the audit log of operator actions (issue 13, D115-D117).

-- A token is shown once when it is created; only its SHA-256 is kept (tokens are 256 random bits, so a
-- fast hash is enough: there is nothing to guess). A revoked token stays listed, with who revoked it.
CREATE TABLE operator_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  token_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by text,
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
-- one active token per name, so that "who" in the audit log means one person (or one machine)
CREATE UNIQUE INDEX operator_tokens_active_name ON operator_tokens (name) WHERE revoked_at IS NULL;

-- Who did what, when. No customer data goes here: actions name ids, never phone numbers or transcripts.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('operator_token', 'admin_token', 'local_dev', 'cli')),
  action text NOT NULL,
  target_type text,
  target_id text,
  company_id uuid,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text
);
CREATE INDEX audit_log_at ON audit_log (at);

-- The console's job search (D119) looks jobs up by any id an operator holds: these make each lookup an
-- index scan instead of a scan of the table.
CREATE INDEX calls_callrail_call_id_idx ON calls (callrail_call_id);
CREATE INDEX shunya_operations_request_id_idx ON shunya_operations (request_id);
CREATE INDEX webhook_deliveries_request_id_idx ON webhook_deliveries (request_id) WHERE request_id IS NOT NULL;
-- The console's completions chart reads the jobs that ended in the last hours.
CREATE INDEX shunya_jobs_completed_at_idx ON shunya_jobs (completed_at) WHERE completed_at IS NOT NULL;
