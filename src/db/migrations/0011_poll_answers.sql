-- 0011: each poll's answer (issue 20, D275): when, what Shunya answered (its state, or `error` /
-- `unreadable`), the HTTP status, Shunya's request id and how long the request took. Never a transcript or
-- a result body. Deleted after 30 days by the prune task, like the webhook inbox (D277).
CREATE TABLE shunya_poll_answers (
  id bigserial PRIMARY KEY,
  company_id uuid NOT NULL,
  job_id uuid NOT NULL,
  operation_id uuid NOT NULL,
  -- the operation's poll_count when it was asked: 0 for the first poll
  poll_number integer NOT NULL,
  answered_at timestamptz NOT NULL DEFAULT now(),
  answer text NOT NULL CHECK (answer IN ('queued', 'processing', 'completed', 'failed', 'error', 'unreadable')),
  error_code text,
  http_status integer,
  shunya_request_id text,
  duration_ms real,
  FOREIGN KEY (company_id, operation_id) REFERENCES shunya_operations (company_id, id) ON DELETE CASCADE
);
CREATE INDEX shunya_poll_answers_job ON shunya_poll_answers (job_id, id);
CREATE INDEX shunya_poll_answers_answered ON shunya_poll_answers (answered_at);
