-- 0012 (issue 20 item 4, console2):
-- A stream ticket's use, so that "once" holds across every API process of the deployment (D380): the
-- ticket's nonce is the key, a second use conflicts. Rows go once the ticket has expired (prune task).
CREATE TABLE stream_ticket_uses (
  nonce text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX stream_ticket_uses_expires ON stream_ticket_uses (expires_at);
-- The inbox's tenant filter (D385): a delivery stored without tenant and job (refused) is attributed at
-- read time; these few rows are read newest first through this partial index, while the attributed ones
-- use webhook_deliveries_company_idx. The expression index finds them by the Shunya job id they named.
CREATE INDEX webhook_deliveries_unattributed_idx ON webhook_deliveries (received_at DESC, id DESC)
  WHERE company_id IS NULL AND job_id IS NULL;
CREATE INDEX webhook_deliveries_named_job_idx
  ON webhook_deliveries ((coalesce(shunya_job_id, headers->>'x-shunya-task-id')))
  WHERE job_id IS NULL;
