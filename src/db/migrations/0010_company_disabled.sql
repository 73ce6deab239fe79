-- 0010: a tenant an operator disabled (D263): its triggers (CallRail's webhook, the rep app's upload) are
-- refused; its data stays readable. NULL: enabled.
ALTER TABLE companies ADD COLUMN disabled_at timestamptz;
