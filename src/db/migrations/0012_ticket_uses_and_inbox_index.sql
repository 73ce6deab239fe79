-- 0012 (issue 20 item 4, console2):
-- A stream ticket's use, so that "once" holds across every API process of the deployment (D380): the
-- ticket's nonce is the key, a second use conflicts. Rows go once the ticket has expired (prune task).
CREATE TABLE stream_ticket_uses (
  nonce text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX stream_ticket_uses_expires ON stream_ticket_uses (expires_at);
-- The inbox's job filter (D383): a delivery stored without a job (refused) is attributed at read time to
-- the operation with the Shunya job id it named; this finds those rows by that id. (Its tenant filter needs
-- no new index: webhook_deliveries_company_idx finds both a tenant's rows and the unattributed ones, NULL.)
CREATE INDEX webhook_deliveries_named_job_idx
  ON webhook_deliveries ((coalesce(shunya_job_id, headers->>'x-shunya-task-id')))
  WHERE job_id IS NULL;
