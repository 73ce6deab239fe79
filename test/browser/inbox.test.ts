// The webhook inbox and "Recover since…" in the console (issue 20 item 4; D270–D273), in a real browser on
// the real stack, in development on loopback (no login): the simulator signs a job's transcription webhook
// wrongly on every attempt, the inbox shows the refused delivery against its job, the preview names the
// job, and Recover has Otto read the result from Shunya, which finishes the job; the job's journey lists its
// deliveries, linked to the inbox filtered by the job, and the tenant's card links to its inbox (D383).
// Screenshots for README.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { submittedOp } from '../helpers/shunya-webhook.ts';
import { type Stack, startStack, terminalJob, waitFor } from '../helpers/stack.ts';

let s: Stack;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  // polls only after 10 minutes: the result comes from recover
  s = await startStack({ contractProxy: false, env: { NODE_ENV: 'development', POLL_DELAYS_S: '600' } });
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser));
  page.setDefaultTimeout(15_000);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('the webhook inbox in the console', () => {
  it('lists a refused delivery against its job; Recover since… previews it, then finishes the job', async () => {
    const company = await buildCompany(s.db, { name: 'Inbox Plumbing' });
    await s.admin('POST', '/faults', {
      kind: 'webhook_bad_signature',
      company_id: company.id,
      count: 1,
      params: { all_attempts: true },
    });
    const res = await postCallRail(s.otto.url, company, callRailPayload(company));
    const { call_id: callId, job_id: jobId } = await res.json();
    const op = await submittedOp(s.db, jobId, 'transcription');
    await waitFor(
      async () =>
        (await s.db('webhook_deliveries').whereRaw(`headers->>'x-shunya-task-id' = ?`, [op.shunya_job_id]))
          .length > 0 || undefined,
      'the refused transcription webhook',
    );

    await page.goto(`${s.otto.url}/console/#/inbox?company_id=${company.id}`);
    const row = page.locator('table.inbox tbody tr', { hasText: 'bad_signature' }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain('401');
    expect(await row.locator(`code[title="${jobId}"]`).count()).toBe(1);

    await page.getByRole('button', { name: 'Preview recover' }).click();
    await page.getByText('1 job waits on a refused webhook').waitFor();
    expect(await page.locator(`.bulk-sample code[title="${jobId}"]`).count()).toBe(1);
    await screenshot(page, 'console-inbox');

    await page.getByRole('button', { name: 'Recover this job' }).click();
    await page.getByText(/Recover scheduled: Otto reads the results of 1 job/).waitFor();
    expect((await terminalJob(s.db, { call_id: callId })).job_status).toBe('succeeded');
    const audits = await s.db('audit_log').where({ action: 'webhook_deliveries.recovered' });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actor: 'local developer',
      company_id: company.id,
      details: { count: 1 },
    });
  });

  it("shows a job's deliveries in its journey, and a tenant's from its card (D383)", async () => {
    const [delivery] = await s.db('webhook_deliveries').where({ verdict: 'bad_signature' }).limit(1);
    const [op] = await s.db('shunya_operations').where({
      shunya_job_id: delivery?.headers['x-shunya-task-id'],
    });
    const jobId = op?.job_id as string;
    const companyId = op?.company_id as string;

    await page.goto(`${s.otto.url}/console/#/jobs/${jobId}`);
    const panel = page.locator('.deliveries-panel');
    // the refused delivery, stored without a job, is shown against the job whose Shunya id it named
    const refused = panel.locator('table.inbox tbody tr', { hasText: 'bad_signature' }).first();
    await refused.waitFor();
    expect(await refused.textContent()).toContain('401');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-journey-deliveries');
    await panel.getByRole('link', { name: "This job's deliveries in the webhook inbox" }).click();
    await page.waitForURL(new RegExp(`#/inbox\\?job_id=${jobId}`));
    await page.locator('table.inbox tbody tr', { hasText: 'bad_signature' }).first().waitFor();
    const rows = page.locator('table.inbox tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const r of await rows.all()) expect(await r.locator(`code[title="${jobId}"]`).count()).toBe(1);

    await page.goto(`${s.otto.url}/console/#/`);
    const card = page.locator('article.tenant', {
      has: page.getByRole('heading', { name: 'Inbox Plumbing' }),
    });
    await card.getByRole('link', { name: 'Webhook inbox' }).click();
    await page.waitForURL(new RegExp(`#/inbox\\?company_id=${companyId}`));
    await page.locator('table.inbox tbody tr', { hasText: 'bad_signature' }).first().waitFor();
  });

  it('raised no error in the page', () => {
    expect(errors).toEqual([]);
  });
});
