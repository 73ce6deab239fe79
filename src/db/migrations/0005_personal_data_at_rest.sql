-- 0005: personal data at rest (§10.2, decisions D85, D86).
-- The webhook inbox kept every raw Shunya body (transcripts, names, phone numbers, e-mails, addresses) for
-- 30 days, even for ghost-mode visits. It now keeps what audit and replay need (headers, verdict, ids,
-- timing, the body's size and SHA-256) and the body itself only redacted of personal data
-- (src/util/redact.ts), for WEBHOOK_BODY_RETENTION_HOURS (the prune cron clears it). Raw bodies already
-- stored cannot be redacted here: their size and hash are kept, the bytes dropped.
ALTER TABLE webhook_deliveries
  ADD COLUMN body_bytes integer,
  ADD COLUMN body_sha256 text,
  ADD COLUMN redacted_body jsonb;
UPDATE webhook_deliveries SET body_bytes = octet_length(raw_body), body_sha256 = encode(sha256(raw_body), 'hex');
ALTER TABLE webhook_deliveries
  ALTER COLUMN body_bytes SET NOT NULL,
  ALTER COLUMN body_sha256 SET NOT NULL,
  DROP COLUMN raw_body;
CREATE INDEX webhook_deliveries_body_kept_idx ON webhook_deliveries (received_at) WHERE redacted_body IS NOT NULL;

-- The stored copy of a CallRail body repeated the caller's number and name, which belong on the lead and
-- the call (D86): new copies are redacted by the same allowlist; from old ones CallRail's personal fields go.
UPDATE calls SET callrail_payload = callrail_payload
  - 'customer_phone_number' - 'customer_phone' - 'customer_name' - 'formatted_customer_name'
  - 'formatted_customer_phone_number' - 'customer_city' - 'customer_state' - 'customer_country'
  - 'formatted_customer_location' - 'caller_name' - 'email'
WHERE jsonb_exists_any(callrail_payload, ARRAY['customer_phone_number', 'customer_phone', 'customer_name', 'formatted_customer_name',
  'formatted_customer_phone_number', 'customer_city', 'customer_state', 'customer_country',
  'formatted_customer_location', 'caller_name', 'email']);
