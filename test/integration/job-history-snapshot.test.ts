// The ops API's job detail (views/job-queries.ts readJobHistory) reads the job, its attempts, operations and
// deliveries in one snapshot (D403). Read one after another, a poll that committed between the job's read
// and the operations' showed an operation's error on a job with none (test/e2e/unreadable-answers.test.ts
// failed so in CI). Here a writer changes a job and its operation together, in one statement, as fast as it
// can, while the detail is read again and again: every read must see both at the same version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJobHistory } from '../../src/views/job-queries.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

describe("a job's detail", () => {
  it('sees the job and its operations at one moment, never half of a change', async () => {
    const company = await buildCompany(t.db);
    const { jobId } = await buildCallJob(t.db, company.id, { job_status: 'running', attempts: 1 });
    const [op] = await t
      .db('shunya_operations')
      .insert({ company_id: company.id, job_id: jobId, kind: 'transcription', status: 'submitted' })
      .returning('id');
    let writing = true;
    let version = 0;
    const writer = (async () => {
      while (writing) {
        version++;
        await t.db.raw(
          `WITH o AS (UPDATE shunya_operations SET error = jsonb_build_object('n', ?::int) WHERE id = ? RETURNING job_id)
           UPDATE shunya_jobs SET last_error = jsonb_build_object('n', ?::int) WHERE id = (SELECT job_id FROM o)`,
          [version, op.id, version],
        );
      }
    })();
    const seen: [unknown, unknown][] = [];
    try {
      for (let i = 0; i < 400; i++) {
        const h = await readJobHistory(t.db, jobId);
        seen.push([
          (h?.job.last_error as { n?: number } | null)?.n ?? null,
          (h?.operations[0]?.error as { n?: number } | null)?.n ?? null,
        ]);
      }
    } finally {
      writing = false;
      await writer;
    }
    expect(version).toBeGreaterThan(10);
    expect(seen.filter(([job, operation]) => job !== operation)).toEqual([]);
  }, 60_000);
});
