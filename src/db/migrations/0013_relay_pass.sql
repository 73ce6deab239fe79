-- 0013 (issue 21 item 1, relay): one relay pass is one top-level statement (D460).
-- The pass takes the relay's advisory lock, then hands out positions in a statement of its own: inside a
-- VOLATILE plpgsql function each statement under READ COMMITTED takes a fresh snapshot, so what a previous
-- relay assigned and committed before this one got the lock is visible, as when the lock and the batch were
-- two statements of one transaction. Called in autocommit: the lock is held until the statement's implicit
-- commit, and the notification is delivered at that commit. Positions stay gap-free and in id order (the
-- header of src/events/relay.ts says why id order is commit order per aggregate).
CREATE FUNCTION otto_relay_pass(batch integer)
RETURNS TABLE (published integer, companies text[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  payload text;
BEGIN
  IF NOT pg_try_advisory_xact_lock(740123001) THEN
    RETURN QUERY SELECT 0, '{}'::text[];
    RETURN;
  END IF;
  WITH ready AS (
    SELECT id, row_number() OVER (ORDER BY id) AS rn
    FROM outbox_events
    WHERE position IS NULL
    ORDER BY id
    LIMIT batch
  ),
  state AS (SELECT last_position FROM outbox_relay WHERE id = 1),
  assigned AS (
    UPDATE outbox_events e SET position = (SELECT last_position FROM state) + r.rn, published_at = now()
    FROM ready r WHERE e.id = r.id AND e.position IS NULL
    RETURNING e.company_id
  ),
  bump AS (
    UPDATE outbox_relay SET last_position = last_position + (SELECT count(*) FROM ready)
    WHERE id = 1 AND EXISTS (SELECT 1 FROM ready)
  )
  SELECT count(*)::int, coalesce(array_agg(DISTINCT company_id::text), '{}')
  INTO published, companies
  FROM assigned;
  IF published > 0 THEN
    payload := to_json(companies)::text;
    -- a NOTIFY payload is limited to 8000 bytes: past that, every stream looks
    PERFORM pg_notify('otto_events', CASE WHEN length(payload) < 7900 THEN payload ELSE '"*"' END);
  END IF;
  RETURN NEXT;
END;
$$;
