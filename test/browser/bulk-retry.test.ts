// Bulk retry in the console (issue 20 item 4; D260, D261), in a real browser, in development on loopback (no
// login): the jobs list filtered by tenant and state, the bulk panel's stage and error code, a preview of
// how many and which, then the retry of exactly those, once. Screenshot for README (docs/img/).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
import { startConsoleApp } from '../helpers/console-app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import type { Listening } from '../helpers/http.ts';

let t: TestDatabase;
let otto: Listening;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  t = await createTestDatabase();
  otto = await startConsoleApp(t);
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser));
  page.setDefaultTimeout(10_000);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await otto?.close();
  await t?.drop();
});

const failed = (error_code: string) => ({
  job_status: 'failed',
  stage: 'analysis',
  attempts: 5,
  last_error: JSON.stringify({ error_code, error_type: 'server_error', message: 'x', retryable: true }),
});

describe('bulk retry in the console', () => {
  it('previews the matching failed jobs, then retries exactly those, audited once', async () => {
    const company = await buildCompany(t.db, { name: 'Bulk Roofing' });
    const matching = await Promise.all(
      [1, 2, 3].map(() => buildCallJob(t.db, company.id, failed('INTERNAL_ERROR'))),
    );
    const other = await buildCallJob(t.db, company.id, failed('ANALYSIS_FAILED'));

    await page.goto(`${otto.url}/console/#/jobs?company=${company.id}&status=failed`);
    await page.locator('table.jobs').waitFor();
    await page.getByText('Retry failed jobs in bulk').click();
    await page.getByLabel('Stage').selectOption('analysis');
    await page.getByLabel('Error code').fill('INTERNAL_ERROR');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('3 jobs match').waitFor();
    for (const j of matching)
      expect(await page.locator(`.bulk-sample code[title="${j.jobId}"]`).count()).toBe(1);
    expect(await page.locator(`.bulk-sample code[title="${other.jobId}"]`).count()).toBe(0);
    await screenshot(page, 'bulk-retry-preview');

    await page.getByRole('button', { name: 'Retry these 3 jobs' }).click();
    await page.getByText('retried 3 of 3').waitFor();
    await screenshot(page, 'bulk-retry-done');

    const states = await t
      .db('shunya_jobs')
      .whereIn(
        'id',
        matching.map((j) => j.jobId),
      )
      .pluck('job_status');
    expect(states.every((s: string) => s !== 'failed')).toBe(true);
    expect((await t.db('shunya_jobs').where({ id: other.jobId }).first()).job_status).toBe('failed');
    const audits = await t.db('audit_log').where({ action: 'jobs.bulk_retried', company_id: company.id });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actor: 'local developer',
      details: {
        filter: { company_id: company.id, status: 'failed', stage: 'analysis', error_code: 'INTERNAL_ERROR' },
        count: 3,
        retried: 3,
      },
    });
  });

  it('raised no error in the page', () => {
    expect(errors).toEqual([]);
  });
});
