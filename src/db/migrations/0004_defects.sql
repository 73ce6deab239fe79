-- 0004 (issue 11): unreadable answers from Shunya, and webhooks that outrun a submission.

-- An operation counts the unreadable answers it met in a row while polling; POLL_UNREADABLE_LIMIT of them
-- end the attempt (decision D80). Its last error (of a submission or a poll, not only a final failure) is in
-- the existing `error` column.
ALTER TABLE shunya_operations ADD COLUMN unreadable_answers integer NOT NULL DEFAULT 0
  CHECK (unreadable_answers >= 0);

-- A signed webhook naming a Shunya job id that no operation carries yet, while the tenant has a submission
-- in flight whose answer has not been stored (decision D78). The submission, once its id is committed,
-- claims the row and polls at once. Rows nobody claims are pruned after a day.
CREATE TABLE early_webhooks (
  company_id uuid NOT NULL REFERENCES companies (id),
  shunya_job_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, shunya_job_id)
);
CREATE INDEX early_webhooks_received_idx ON early_webhooks (received_at);
