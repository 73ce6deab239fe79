-- 0006: admission without a lock held across a tenant's work (issue 12; D97, D98).
--
-- One row per tenant counts its running jobs (the slots in use, §11.2 "max concurrent jobs") and its
-- first admissions ever (for the hourly quota, §11.2 "max jobs per hour"). Admission locks this row for one
-- statement, reads the latest counts through the lock, and adds what it admits; every transition that
-- takes a job out of `running` subtracts in the same statement. It replaces the per-tenant advisory lock.
CREATE TABLE tenant_admission (
  company_id uuid PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
  running integer NOT NULL DEFAULT 0 CHECK (running >= 0),
  admitted bigint NOT NULL DEFAULT 0 CHECK (admitted >= 0)
);
INSERT INTO tenant_admission (company_id, running, admitted)
SELECT c.id,
       (SELECT count(*) FROM shunya_jobs j WHERE j.company_id = c.id AND j.job_status = 'running'),
       (SELECT count(*) FROM shunya_jobs j WHERE j.company_id = c.id AND j.attempts > 0)
FROM companies c;

-- Every company has its row, whoever creates the company.
CREATE FUNCTION otto_company_admission_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tenant_admission (company_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
CREATE TRIGGER companies_admission_row AFTER INSERT ON companies
  FOR EACH ROW EXECUTE FUNCTION otto_company_admission_row();

-- When a job was first admitted: the hourly quota counts first admissions in the last hour (a retry or an
-- operator's retry of the same job does not count again).
ALTER TABLE shunya_jobs ADD COLUMN admitted_at timestamptz;
UPDATE shunya_jobs SET admitted_at = created_at WHERE attempts > 0;
CREATE INDEX shunya_jobs_admitted_idx ON shunya_jobs (company_id, admitted_at) WHERE admitted_at IS NOT NULL;

-- Admission takes due pending jobs in order without sorting the tenant's whole backlog (the benchmark's
-- flood had admission sort 10,000 pending rows under the lock). Jobs never admitted and jobs admitted
-- before (retries) are indexed apart, so that a tenant out of quota still admits its retries at once.
CREATE INDEX shunya_jobs_fresh_idx ON shunya_jobs (company_id, (COALESCE(next_attempt_at, created_at)), created_at)
  WHERE job_status = 'pending' AND admitted_at IS NULL;
CREATE INDEX shunya_jobs_retry_idx ON shunya_jobs (company_id, (COALESCE(next_attempt_at, created_at)), created_at)
  WHERE job_status = 'pending' AND admitted_at IS NOT NULL;
-- the safety net and the quota's wake-up find tenants with due work by this
CREATE INDEX shunya_jobs_pending_due_idx ON shunya_jobs ((COALESCE(next_attempt_at, created_at)))
  WHERE job_status = 'pending';
