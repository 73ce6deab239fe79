-- 0014 (issue 21 item 1, pgwrite): what each hot write costs beyond its row (D570–D573; D571 says which keys stay).

-- D570: an outbox event's tenant is the tenant of the job row the same statement moved (every writer takes
-- it from that row, or binds it and guards the row's move with it), and that row's own foreign key holds the
-- company. The per-row check, a `SELECT … FOR KEY SHARE` of the tenant's companies row for every event (four
-- per CSR call's last stage), goes; deleting a company that still has events is refused here instead, the
-- half of the former key that nothing else covers once jobs are gone.
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_company_id_fkey;

CREATE FUNCTION otto_company_without_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM outbox_events WHERE company_id = OLD.id) THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('company %s still has outbox events', OLD.id),
      CONSTRAINT = 'outbox_events_company_id_fkey';
  END IF;
  RETURN OLD;
END
$$;

CREATE TRIGGER companies_keep_events BEFORE DELETE ON companies
  FOR EACH ROW EXECUTE FUNCTION otto_company_without_events();

-- D572: no read can use it (the journey's lead branch ORs it with an unindexed aggregate_id; the prune and
-- the lag metric filter other columns); it was written at every event's insert and again at its relay.
DROP INDEX outbox_events_occurred_idx;

-- D573: room on a job's page for its next version, so that the moves that change no indexed column
-- (a stage to the next) stay heap-only; applies to pages filled from now on.
ALTER TABLE shunya_jobs SET (fillfactor = 85);
