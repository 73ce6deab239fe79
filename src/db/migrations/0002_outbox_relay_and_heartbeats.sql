-- 0002: the outbox relay's counter, wake-ups for the relay and the event stream, and worker heartbeats.

-- One row: the last position the relay handed out. Positions are gap-free and increase in commit order.
CREATE TABLE outbox_relay (
  id integer PRIMARY KEY CHECK (id = 1),
  last_position bigint NOT NULL DEFAULT 0
);
INSERT INTO outbox_relay (id) VALUES (1);

-- Wake the relay when events are written (once per statement, delivered at commit).
CREATE FUNCTION otto_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('otto_outbox', '');
  RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
  FOR EACH STATEMENT EXECUTE FUNCTION otto_outbox_notify();

-- Each worker process says it is alive every few seconds. Readiness needs a fresh heartbeat; a process
-- whose heartbeat is stale is dead, and its graphile-worker locks are released (crash recovery).
CREATE TABLE worker_heartbeats (
  process_id text PRIMARY KEY,
  hostname text NOT NULL,
  pid integer NOT NULL,
  -- graphile-worker's ids of this process's workers, for forceUnlockWorkers
  graphile_worker_ids text[] NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  stopped_at timestamptz
);
CREATE INDEX worker_heartbeats_last_seen_idx ON worker_heartbeats (last_seen_at);
