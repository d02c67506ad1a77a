import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  logIn,
  newTestContext,
  screenshot,
  startServer,
  type RunningServer,
} from './harness.js';

// The other pages render against the real API without errors, and navigation works.
describe('flows, bots and conversations pages', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchChromium();
    page = await (await newTestContext(browser, server.url)).newPage();
    await logIn(page, server);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists the example flows with their step counts', async () => {
    await page.getByTestId('flows-table').waitFor();
    const ids = await page
      .getByTestId('flow-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-flow-id')));
    expect(ids).toEqual(expect.arrayContaining(['welcome', 'pizza-order', 'support']));
    await screenshot(page, 'flows');
  });

  it('duplicates a flow and deletes the copy', async () => {
    await page.getByRole('button', { name: 'Duplicate Welcome', exact: false }).first().click();
    const copy = page.locator('[data-testid="flow-row"][data-flow-id^="welcome-copy"]');
    await copy.waitFor();
    page.once('dialog', (d) => void d.accept());
    await copy.getByRole('button', { name: /^Delete / }).click();
    await copy.waitFor({ state: 'detached' });
  });

  it('shows the bots page', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bots' }).click();
    await page.getByRole('heading', { name: 'Bots' }).waitFor();
    expect(await page.locator('.banner.error').count()).toBe(0);
    await screenshot(page, 'bots');
  });

  it('shows the conversations page with its filters', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('heading', { name: 'Conversations' }).waitFor();
    await page.getByRole('search').waitFor();
    await page.waitForTimeout(500);
    expect(await page.locator('.banner.error').count()).toBe(0);
    await screenshot(page, 'conversations');
  });
});
