-- 0003: how long Otto took to handle each Shunya webhook delivery, from receipt until its effects were
-- committed (the benchmark's "webhook in → readable").
ALTER TABLE webhook_deliveries ADD COLUMN duration_ms double precision;
