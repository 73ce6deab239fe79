-- 0009: an operator's bulk retry (D260). The preview pins the set of jobs it showed (their ids), so that the
-- action retries exactly that set; the action's result is kept on the same row, so a second click answers
-- it again instead of retrying anew.
CREATE TABLE bulk_retries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  previewed_by text NOT NULL,
  filter jsonb NOT NULL,
  job_ids uuid[] NOT NULL,
  executed_at timestamptz,
  executed_by text,
  result jsonb
);
