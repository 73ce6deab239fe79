// Outside development the console asks for an operator token (issue 13, D115, D118): a wrong or revoked
// token is refused plainly, a named one logs in, its actions are audited under its name and visible in
// the console's audit log; logging out asks again.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorToken, revokeOperatorToken } from '../../src/domain/operator-tokens.ts';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

let s: Stack;
let browser: Browser;
let page: Page;
let errors: string[];
let token: string;

beforeAll(async () => {
  s = await startStack({ contractProxy: false }); // NODE_ENV=test: not development, so no open console
  ({ token } = await createOperatorToken(s.db, 'ops-alice', 'test setup'));
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const logIn = async (value: string) => {
  await page.getByLabel('Operator token').fill(value);
  await page.getByRole('button', { name: 'Log in' }).click();
};

describe('the console outside development', () => {
  it('asks for an operator token, and refuses a wrong one plainly', async () => {
    await page.goto(`${s.otto.url}/console/`);
    await page.getByRole('heading', { name: 'Otto console' }).waitFor();
    await screenshot(page, 'login');
    await logIn('otto_op_not-a-real-token');
    await page.getByText('This token is not valid').waitFor();
  });

  it('logs in with a named operator token, and audits what that operator does', async () => {
    await logIn(token);
    await page.locator('.who', { hasText: 'ops-alice' }).waitFor();
    await page.getByText('Create a tenant').click();
    await page.getByLabel('Name').fill('Console Roofing');
    await page.getByLabel('CallRail company id').fill('555000111');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByText('Its CallRail signing key is shown this once').waitFor();
    const key = await page.locator('.once .secret').textContent();
    expect(key?.length).toBeGreaterThanOrEqual(16);
    await page.getByRole('heading', { name: 'Console Roofing' }).waitFor();
    // after creation, the key is not shown again anywhere on the page
    await page.reload();
    await page.getByRole('heading', { name: 'Console Roofing' }).waitFor();
    expect(await page.content()).not.toContain(key);

    await page.getByRole('link', { name: 'Audit' }).click();
    const entry = page.locator('tr', { hasText: 'company.created' });
    await entry.waitFor();
    expect(await entry.textContent()).toContain('ops-alice');
    await screenshot(page, 'audit-login');
    const audit = await s.db('audit_log').where({ action: 'company.created' }).first();
    expect(audit).toMatchObject({ actor: 'ops-alice', actor_kind: 'operator_token' });
  });

  it('asks again after logging out, and refuses a revoked token', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Operator token').waitFor();
    await revokeOperatorToken(s.db, { name: 'ops-alice' }, 'test');
    await logIn(token);
    await page.getByText('This token is not valid').waitFor();
    expect(errors).toEqual([]);
  });
});
