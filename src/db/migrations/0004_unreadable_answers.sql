-- 0004: answers from Shunya that Otto could not read (issue 11 item 6, decision D80). An operation counts
-- the unreadable answers it met in a row while polling; POLL_UNREADABLE_LIMIT of them end the attempt.
-- Its last error (of a submission or a poll, not only a final failure) is in the existing `error` column.
ALTER TABLE shunya_operations ADD COLUMN unreadable_answers integer NOT NULL DEFAULT 0
  CHECK (unreadable_answers >= 0);
