// The console in a real browser (issue 13), in development on loopback (no login), beside the simulator:
// a test call reaches `succeeded` live, its journey; the simulator's outage opens the breaker and jobs
// wait, back to happy they finish; a failed job retried from its journey; phone width and keyboard; and
// the plain error states (Otto down, database down, no simulator). Screenshots of each view.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createDb, type Db } from '../../src/db/knex.ts';
import { seedDemoCompany } from '../../src/dev/demo.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { freePort } from '../../src/util/net.ts';
import { DESKTOP, launchBrowser, openPage, PHONE, screenshot } from '../helpers/browser.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { FAST_ENV, type Stack, startStack, waitFor } from '../helpers/stack.ts';

let s: Stack;
let browser: Browser;
let page: Page;
let errors: string[];
let consoleUrl: string;

beforeAll(async () => {
  s = await startStack({
    simulatorBeside: true,
    contractProxy: false,
    historyIntervalMs: 1000,
    sim: { preset: 'happy', timeScale: 120, seed: 5 },
    // The outage preset answers 503 with Retry-After: 30, which Otto honours: five of them would take
    // 2.5 minutes to open a breaker at the default threshold. One opens it here.
    env: { NODE_ENV: 'development', UWC_BREAKER_THRESHOLD: '1', UWC_BREAKER_COOLDOWN_MS: '4000' },
  });
  await seedDemoCompany(s.db, 'development');
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser));
  consoleUrl = `${s.otto.url}/console/`;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

const jobIdOf = async (p: Page) => {
  const link = p.getByRole('link', { name: /follow job/ });
  await link.waitFor();
  return ((await link.getAttribute('href')) ?? '').replace('#/jobs/', '');
};

describe('the console, in development on loopback', () => {
  it('opens without a login and shows the demo tenant', async () => {
    await page.goto(consoleUrl);
    await page.getByRole('heading', { name: 'Demo Roofing & HVAC' }).waitFor();
    expect(await page.locator('.who').textContent()).toContain('local developer');
    expect(await page.getByText('signing key shown only at creation').count()).toBe(1);
    // §11.2's hourly quota as admission enforces it (TENANT_JOBS_PER_HOUR, 1,000 by default)
    expect(await page.locator('article.tenant .quota').first().textContent()).toMatch(
      /Quota: \d+ of 1000 jobs started in the last hour/,
    );
    await screenshot(page, 'tenants');
  });

  it('sends a test call from the simulator panel and watches it reach succeeded live', async () => {
    await page.getByRole('link', { name: 'Simulator' }).click();
    await page.getByRole('button', { name: 'Send a test call' }).click();
    const jobId = await jobIdOf(page);
    await screenshot(page, 'simulator');
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    const row = page.locator('tr', { has: page.locator(`code[title="${jobId}"]`) });
    await row.waitFor();
    // the list updates by itself: no reload, no click
    await row.locator('.badge-succeeded').waitFor({ timeout: 30_000 });
    await screenshot(page, 'jobs');

    await row.getByRole('link').click();
    await page.getByRole('heading', { name: /Journey of job/ }).waitFor();
    await page.getByText('Job succeeded').waitFor();
    for (const text of [
      'CallRail call CALconsole',
      'transcription submitted to Shunya',
      'Event call.analyzed',
    ])
      expect(await page.getByText(text).first().isVisible()).toBe(true);
    expect(await page.locator('.step-webhook').count()).toBeGreaterThan(0);
    expect(await page.locator('.frontend-read summary').textContent()).toContain('complete');
    await screenshot(page, 'journey');
  }, 60_000);

  it('shows the breaker open and jobs waiting in an outage, and the jobs finishing after it', async () => {
    await page.getByRole('link', { name: 'Simulator' }).click();
    await page.getByRole('button', { name: 'outage' }).click();
    await page.getByText('Preset outage: done').waitFor();
    await page.getByRole('button', { name: 'Send a test call' }).click();
    const jobId = await jobIdOf(page);

    await page.getByRole('link', { name: 'Tenants' }).click();
    const demo = page.locator('article.tenant', { hasText: 'Demo Roofing & HVAC' });
    await demo.locator('.badge-breaker_open').first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'tenants-outage');
    const job = await s.db('shunya_jobs').where({ id: jobId }).first();
    expect(['pending', 'running']).toContain(job.job_status); // waiting, not failed

    await page.getByRole('link', { name: 'Simulator' }).click();
    await page.getByRole('button', { name: 'happy' }).click();
    await page.getByText('Preset happy: done').waitFor();
    await page.goto(`${consoleUrl}#/jobs/${jobId}`);
    await page.getByText('Job succeeded').waitFor({ timeout: 45_000 });
  }, 90_000);

  it('retries a failed job from its journey', async () => {
    await s.admin('POST', '/faults', { kind: 'job_failure', operations: ['analysis'] });
    await page.goto(`${consoleUrl}#/simulator`);
    await page.getByRole('button', { name: 'Send a test call' }).click();
    const jobId = await jobIdOf(page);
    await page.getByRole('link', { name: /follow job/ }).click();
    const retry = page.getByRole('button', { name: 'Retry this job' });
    await retry.waitFor({ timeout: 45_000 }); // five failed attempts (1 s apart in tests): longer on a busy machine
    expect(await page.locator('.errors').first().textContent()).toContain('Otto reports');
    await screenshot(page, 'journey-failed');
    await s.admin('DELETE', '/faults');
    await retry.click();
    await page.getByText(/Retried: the job is/).waitFor();
    await page.getByText('Job succeeded').waitFor({ timeout: 45_000 });
    await page.getByText('local developer (local dev): job.retried').waitFor();
    expect((await s.db('shunya_jobs').where({ id: jobId }).first()).job_status).toBe('succeeded');
  }, 120_000);

  it('shows when a waiting job is expected to start, in the list and in its journey, and its trace id', async () => {
    const company = await buildCompany(s.db);
    const { jobId } = await buildCallJob(s.db, company.id, {
      attempts: 1,
      admitted_at: new Date(),
      next_attempt_at: new Date(Date.now() + 10 * 60_000),
      trace_context: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
    });
    await page.goto(`${consoleUrl}#/jobs?company=${company.id}`);
    const row = page.locator('tr', { has: page.locator(`code[title="${jobId}"]`) });
    await row.waitFor();
    expect(await row.locator('td[data-label="Expected start"]').textContent()).toMatch(/^in (9|10) min$/);
    await row.getByRole('link').click();
    await page.getByText(/expected to start in (9|10) min/).waitFor();
    // the trace to look up in the tracing backend (D196)
    expect(await page.locator(`dd.trace-id code[title="${TRACE_ID}"]`).textContent()).toBe(TRACE_ID);
  });

  it('draws the charts from what Otto measured', async () => {
    await page.getByRole('link', { name: 'Charts' }).click();
    await page.getByText('Jobs finished per minute, by tenant').waitFor();
    await waitFor(async () => (await page.locator('.chart polyline').count()) >= 3, 'chart lines', 15_000);
    expect(await page.locator('.legend').getByText('Demo Roofing & HVAC: succeeded').count()).toBe(1);
    await screenshot(page, 'charts');
  });

  it('lists every operator action in the audit log', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    for (const action of ['simulator.changed', 'test_call.sent', 'job.retried'])
      await page.getByRole('cell', { name: action }).first().waitFor();
    await screenshot(page, 'audit');
  });

  it('works at a phone’s width', async () => {
    const phone = await openPage(browser, PHONE);
    await phone.page.goto(consoleUrl);
    await phone.page.getByRole('heading', { name: 'Demo Roofing & HVAC' }).waitFor();
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(PHONE.width); // nothing wider than the screen
    await screenshot(phone.page, 'phone-tenants');
    await phone.page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await phone.page.locator('table.jobs tbody tr').first().waitFor();
    await screenshot(phone.page, 'phone-jobs');
    expect(phone.errors).toEqual([]);
    await phone.page.close();
  });

  it('is keyboard-navigable: skip link, views by Tab and Enter, a job opened from the list', async () => {
    await page.goto('about:blank');
    await page.goto(`${consoleUrl}#/tenants`);
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const focused: string[] = [];
    for (let i = 0; i < 8 && !focused.includes('Jobs'); i++) {
      await page.keyboard.press('Tab');
      focused.push((await page.evaluate(() => document.activeElement?.textContent)) ?? '');
    }
    expect(focused).toContain('Jobs');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expect(page.url()).toContain('#/jobs');
    const firstJob = page.locator('table.jobs tbody a').first();
    await firstJob.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Journey of job/ }).waitFor();
  });

  it('raised no error in the page', () => {
    expect(errors).toEqual([]);
  });
});

describe('error states', () => {
  let nowhere: Db;
  let broken: Listening;

  beforeAll(async () => {
    // an Otto whose database refuses every connection, and beside no simulator
    nowhere = createDb(
      `postgres://postgres:postgres@127.0.0.1:${await freePort()}/otto`,
      2,
      createLogger('silent'),
    );
    const config = loadConfig({ ...FAST_ENV, NODE_ENV: 'development', LOG_LEVEL: 'silent' });
    broken = await listen(
      buildApp({
        config,
        db: nowhere,
        logger: createLogger('silent'),
        pipeline: { ...s.otto.pipeline, db: nowhere, config },
        workerCheck: async () => 'ok',
      }),
    );
  });
  afterAll(async () => {
    await broken?.close();
    await nowhere?.destroy();
  });

  it('says plainly that the database is down', async () => {
    const { page: p } = await openPage(browser);
    await p.goto(`${broken.url}/console/`);
    await p.getByText('its database is unreachable').first().waitFor();
    await screenshot(p, 'error-database-down');
    await p.close();
  });

  it('says plainly that no simulator runs beside this Otto', async () => {
    const { page: p } = await openPage(browser);
    await p.goto(`${broken.url}/console/#/simulator`);
    await p.getByText('No simulator beside this Otto.').waitFor();
    await p.close();
  });

  it('says plainly that Otto is down, keeping what it showed', async () => {
    const { page: p } = await openPage(browser, DESKTOP);
    await p.goto(`${consoleUrl}#/jobs`);
    await p.locator('table.jobs').waitFor();
    await s.otto.close();
    await p.getByText(`Otto does not answer at ${s.otto.url}`).first().waitFor({ timeout: 15_000 });
    expect(await p.locator('table.jobs').count()).toBe(1);
    await screenshot(p, 'error-otto-down');
    await p.close();
  });
});
