// Edit and disable a tenant in the console (issue 20 item 4; D263), in a real browser, in development on
// loopback: rename it, disable it (its CallRail webhook is then refused with 403 TENANT_DISABLED, the card
// says so), enable it again. Screenshot for README (docs/img/).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
import { startConsoleApp } from '../helpers/console-app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildCompany, callRailPayload, postCallRail } from '../helpers/factories.ts';
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

describe('editing and disabling a tenant in the console', () => {
  it("renames, disables and enables a tenant; a disabled tenant's call is refused", async () => {
    const company = await buildCompany(t.db, { name: 'Edit Me Roofing' });
    await page.goto(`${otto.url}/console/`);
    const card = page.locator('article.tenant', {
      has: page.getByRole('heading', { name: 'Edit Me Roofing' }),
    });
    await card.waitFor();
    await card.getByText('Edit or disable').click();
    await card.getByLabel('New name').fill('Edited Roofing');
    await card.getByRole('button', { name: 'Save' }).click();
    const edited = page.locator('article.tenant', {
      has: page.getByRole('heading', { name: 'Edited Roofing' }),
    });
    await edited.waitFor();
    await edited.getByRole('button', { name: 'Disable this tenant' }).click();
    await edited.locator('.badge-disabled').waitFor();
    expect((await postCallRail(otto.url, company, callRailPayload(company))).status).toBe(403);
    await screenshot(page, 'tenant-disabled');

    await edited.getByRole('button', { name: 'Enable this tenant' }).click();
    await edited.getByRole('button', { name: 'Disable this tenant' }).waitFor();
    expect(await edited.locator('.badge-disabled').count()).toBe(0);
    expect((await postCallRail(otto.url, company, callRailPayload(company))).status).toBe(202);
    const actions = await t
      .db('audit_log')
      .where({ action: 'company.updated', target_id: company.id })
      .orderBy('id');
    expect(actions.map((a) => a.details.changes)).toEqual([
      { name: 'Edited Roofing' },
      { disabled: true },
      { disabled: false },
    ]);
  });

  it('raised no error in the page', () => {
    expect(errors).toEqual([]);
  });
});
