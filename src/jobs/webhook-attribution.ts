// Which job a webhook delivery is about (D270): its own when the receiver attributed it; for a refused one,
// stored without a job or tenant since the receiver could not trust it, the operation carrying the Shunya
// job id it named (in its body or its X-Shunya-Task-Id header). Read by the inbox and by recover.
import type { Db, Tx } from '../db/knex.ts';

/**
 * Each delivery with the job and tenant it is about: its own when the receiver attributed it, else those
 * of the operation with the Shunya job id it named (one per tenant and id; the newest if several tenants).
 */
const ATTRIBUTED = `
  SELECT d.id, d.received_at, d.verdict, d.http_status, d.body_bytes, d.body_sha256, d.profile,
         d.duration_ms, coalesce(d.shunya_job_id, d.headers->>'x-shunya-task-id') AS shunya_job_id,
         coalesce(d.operation_id, o.id) AS operation_id, coalesce(d.job_id, o.job_id) AS job_id, coalesce(d.company_id, o.company_id) AS company_id
  FROM webhook_deliveries d
  LEFT JOIN LATERAL (
    SELECT o.id, o.job_id, o.company_id FROM shunya_operations o
    WHERE d.job_id IS NULL AND o.shunya_job_id = coalesce(d.shunya_job_id, d.headers->>'x-shunya-task-id')
    ORDER BY o.created_at DESC LIMIT 1
  ) o ON true`;

/** What the caller will filter the derived tenant or job on, so that only candidate rows are read. */
export interface Narrowing {
  companyId?: string | undefined;
  jobId?: string | undefined;
}

/**
 * Candidates for a derived tenant or job (D383), each through an index (migration 0012): the rows the
 * receiver attributed to it, and the unattributed ones, which are few (refused deliveries). A superset:
 * the caller still filters on the derived column, which decides.
 */
function narrowed(n: Narrowing): { sql: string; bindings: string[] } {
  const where: string[] = [];
  const bindings: string[] = [];
  if (n.companyId) {
    where.push('(d.company_id = ? OR (d.company_id IS NULL AND d.job_id IS NULL))');
    bindings.push(n.companyId);
  }
  if (n.jobId) {
    // ARRAY(...) is evaluated once, so the named id is an index condition on the expression index
    where.push(`(d.job_id = ? OR (d.job_id IS NULL AND coalesce(d.shunya_job_id, d.headers->>'x-shunya-task-id')
      = ANY (ARRAY(SELECT shunya_job_id FROM shunya_operations WHERE job_id = ? AND shunya_job_id IS NOT NULL))))`);
    bindings.push(n.jobId, n.jobId);
  }
  return { sql: where.length ? ` WHERE ${where.join(' AND ')}` : '', bindings };
}

export function attributedDeliveries(db: Db | Tx, n: Narrowing = {}) {
  const { sql, bindings } = narrowed(n);
  return db.from(db.raw(`(${ATTRIBUTED}${sql}) AS a`, bindings));
}
