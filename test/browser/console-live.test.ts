// The console's Jobs list and Journey follow the operator event stream (D265–D267), in a real browser, in
// development on loopback, with a real relay and event hub: while idle the page asks nothing of the list
// endpoint (no polling); a job created after the page opened appears, without a reload, once its first
// event arrives; a job on screen turns `running` when admitted and `pending` when an operator retries it
// (operator-only events, D381); a journey on screen turns to `timeout` when the sweep times its job out; a
// journey's and a tenant's webhook inbox ask nothing while idle and show a new delivery after an event of
// their job or tenant (D451). Screenshots for README (docs/img/console-live.png and
// docs/img/console-inbox-live.png are copies of them).
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { PgListener } from '../../src/events/listener.ts';
import { startRelay } from '../../src/events/relay.ts';
import { EventHub } from '../../src/events/stream.ts';
import { buildApp } from '../../src/http/app.ts';
import { type PipelineDeps, systemClock } from '../../src/jobs/deps.ts';
import { sweepTimeouts } from '../../src/jobs/timeouts.ts';
import { admit, retryByOperator } from '../../src/jobs/transitions/index.ts';
import { createLogger } from '../../src/logger.ts';
import { shunyaClientFromConfig } from '../../src/shunya/client.ts';
import { shunyaNormalizers } from '../../src/steps/normalizers.ts';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCallJob, buildCompany } from '../helpers/factories.ts';
import { type Listening, listen } from '../helpers/http.ts';
import { FAST_ENV } from '../helpers/stack.ts';

let t: TestDatabase;
let otto: Listening;
let listener: PgListener;
let relay: { stop(): Promise<void> };
let pipeline: PipelineDeps;
let browser: Browser;
let page: Page;
let errors: string[];
const requests: Request[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({
    ...FAST_ENV,
    NODE_ENV: 'development',
    DATABASE_URL: t.url,
    UWC_BASE_URL: 'http://127.0.0.1:9',
  });
  const logger = createLogger('silent');
  pipeline = {
    db: t.db,
    config,
    logger,
    client: shunyaClientFromConfig(config),
    normalize: shunyaNormalizers,
    clock: systemClock,
  };
  listener = new PgListener(t.url, logger);
  const hub = new EventHub(t.db, listener);
  relay = startRelay(t.db, listener, logger, { idleMs: 200 });
  await listener.start();
  otto = await listen(buildApp({ config, db: t.db, logger, pipeline, hub, workerCheck: async () => 'ok' }));
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser));
  page.setDefaultTimeout(10_000);
  page.on('request', (r) => requests.push(r));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await otto?.close();
  await relay?.stop();
  await listener?.stop();
  await t?.drop();
});

const requestsTo = (path: string) => () => requests.filter((r) => new URL(r.url()).pathname === path).length;
const listRequests = requestsTo('/api/v1/ops/jobs');
const inboxRequests = requestsTo('/api/v1/ops/webhook-deliveries');
/** A delivery of `companyId` (and its job) as the receiver stores it, told apart by its size. */
const delivery = (companyId: string, jobId: string | null, bytes: number) =>
  t.db('webhook_deliveries').insert({
    company_id: companyId,
    job_id: jobId,
    headers: {},
    verdict: 'processed',
    http_status: 200,
    body_bytes: bytes,
    body_sha256: `live-${bytes}`,
  });

/** Past the opening's own (debounced) reload, several of the old 5 s poll periods ask nothing. */
async function expectIdle(count: () => number) {
  await page.waitForTimeout(1000);
  const before = count();
  await page.waitForTimeout(6000);
  expect(count()).toBe(before);
}
/** A pending job created 25 h ago: the next sweep times it out, a real transition with its event. */
const oldJob = async (companyId: string) =>
  (await buildCallJob(t.db, companyId, { created_at: new Date(Date.now() - 25 * 3600_000) })).jobId;

describe('the console, live from the operator event stream', () => {
  it('shows a job created after the page opened, without a reload and without polling', async () => {
    const company = await buildCompany(t.db, { name: 'Live Roofing' });
    await page.goto(`${otto.url}/console/#/jobs`);
    await page.locator('.live[data-live="live"]').waitFor();
    await page.getByText('No job matches.').waitFor();

    // the opening's own reload (debounced) is over after a second; then, idle, several of the old 1.5 s
    // poll periods go by without one request to the list
    await page.waitForTimeout(1000);
    const before = listRequests();
    await page.waitForTimeout(5000);
    expect(listRequests()).toBe(before);

    const jobId = await oldJob(company.id);
    expect(await sweepTimeouts(pipeline)).toBe(1); // writes shunya.job.timeout to the outbox
    const row = page.locator(`a[href="#/jobs/${jobId}"]`);
    await row.waitFor();
    expect(await page.locator('tr', { has: row }).textContent()).toContain('timeout');
    expect(listRequests()).toBeGreaterThan(before);
    await screenshot(page, 'console-live');
    expect(errors).toEqual([]);
  });

  it('shows a job admitted, and put back in line by an operator, as it happens (D381)', async () => {
    const company = await buildCompany(t.db, { name: 'Queue Roofing' });
    const { jobId } = await buildCallJob(t.db, company.id);
    await page.goto(`${otto.url}/console/#/jobs?company_id=${company.id}`);
    await page.locator('.live[data-live="live"]').waitFor();
    const row = page.locator('tr', { has: page.locator(`a[href="#/jobs/${jobId}"]`) });
    await row.getByText('pending').waitFor();

    // admission alone writes no domain event: only the operator stream's shunya.job.state_changed moves it
    expect(await admit(t.db, company.id, { slots: 5, perHour: 0 }, new Date())).toEqual([jobId]);
    await row.getByText('running').waitFor();

    await t.db('shunya_jobs').where({ id: jobId }).update({ job_status: 'failed', completed_at: new Date() });
    expect((await retryByOperator(t.db, jobId)).kind).toBe('ok');
    await row.getByText('pending').waitFor();
    expect(errors).toEqual([]);
  });

  it('updates an open journey when its job changes', async () => {
    const company = await buildCompany(t.db, { name: 'Journey Roofing' });
    const jobId = await oldJob(company.id);
    await page.goto(`${otto.url}/console/#/jobs/${jobId}`);
    await page.locator('.view-head .live[data-live="live"]').waitFor();
    await page.locator('main').getByText('pending').first().waitFor();
    expect(await page.getByText('JOB_TIMEOUT').count()).toBe(0);

    expect(await sweepTimeouts(pipeline)).toBe(1);
    await page.getByText('JOB_TIMEOUT').first().waitFor();
    expect(errors).toEqual([]);
  });

  it("a journey's and a tenant's webhook inbox follow the stream, not a timer (D451)", async () => {
    const company = await buildCompany(t.db, { name: 'Inbox Live Roofing' });
    const jobId = await oldJob(company.id);
    await page.goto(`${otto.url}/console/#/jobs/${jobId}`);
    const panel = page.locator('.deliveries-panel');
    await panel.locator('.live[data-live="live"]').waitFor();
    await panel.getByText('No webhook delivery matches.').waitFor();
    await expectIdle(inboxRequests);

    await delivery(company.id, jobId, 1234);
    expect(await sweepTimeouts(pipeline)).toBe(1); // the job's shunya.job.timeout
    await panel.getByText('1234 B').waitFor();
    await screenshot(page, 'console-inbox-live');

    await page.goto(`${otto.url}/console/#/inbox?company_id=${company.id}`);
    await page.locator('.view-head .live[data-live="live"]').waitFor();
    await page.locator('table.inbox').getByText('1234 B').waitFor();
    await expectIdle(inboxRequests);

    const other = await oldJob(company.id);
    await delivery(company.id, other, 4321);
    expect(await sweepTimeouts(pipeline)).toBe(1); // an event of the tenant
    await page.locator('table.inbox').getByText('4321 B').waitFor();
    expect(errors).toEqual([]);
  }, 60_000);
});
