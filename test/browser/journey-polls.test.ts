// Each poll's answer in a job's journey (issue 20 item 4; D275), in a real browser, in development on
// loopback: every webhook dropped, the poller finishes the job, and the journey shows one row per poll with
// what Shunya answered. Screenshot for README (docs/img/console-journey-polls.png).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
import { type Stack, startStack, terminalJob } from '../helpers/stack.ts';

let s: Stack;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  s = await startStack({ contractProxy: false, env: { NODE_ENV: 'development' } });
  // about 3 s of transcription at the stack's time scale: polls one second apart see it processing
  await s.admin('PUT', '/config', { latency: { transcription: { model: 'fixed', seconds: 60 } } });
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser));
  page.setDefaultTimeout(15_000);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe("the journey's poll rows", () => {
  it("lists each poll's answer of a job finished by polling", async () => {
    const company = await buildCompany(s.db);
    await s.admin('POST', '/faults', { kind: 'webhook_drop', company_id: company.id, probability: 1 });
    const res = await postCallRail(s.otto.url, company, callRailPayload(company));
    expect(res.status).toBe(202);
    const job = await terminalJob(s.db, { call_id: (await res.json()).call_id });
    expect(job.job_status).toBe('succeeded');

    await page.goto(`${s.otto.url}/console/#/jobs/${job.id}`);
    await page.getByText('Job succeeded').waitFor();
    const rows = page.locator('.step-poll_answer');
    const stored = await s.db('shunya_poll_answers').where({ job_id: job.id }).orderBy('id');
    expect(await rows.count()).toBe(stored.length);
    expect(
      await page
        .getByText(/transcription: poll \d+ → processing/)
        .first()
        .isVisible(),
    ).toBe(true);
    expect(
      await page
        .getByText(/transcription: poll \d+ → completed/)
        .first()
        .isVisible(),
    ).toBe(true);
    expect(await rows.locator('.badge-processing').count()).toBeGreaterThan(0);
    expect(await page.locator('.step-webhook').count()).toBe(0);
    expect(errors).toEqual([]);
    await screenshot(page, 'journey-polls');
  }, 60_000);
});
