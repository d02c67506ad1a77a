import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  eventually,
  launchChromium,
  logIn,
  newTestContext,
  startServer,
  type RunningServer,
} from './harness.js';
import { canvasPage } from './canvasPage.js';

// Safety nets: a conflicting save is never silent, copy/paste works across flows, viewers cannot edit.
describe('editor safety', () => {
  let server: RunningServer;
  let browser: Browser;
  const hasAdmin = () => Boolean(server?.adminToken);

  beforeAll(async () => {
    server = await startServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      etag: res.headers.get('etag') ?? '',
      body: res.status === 204 ? null : await res.json(),
    };
  }

  it('shows a conflict instead of overwriting a flow changed on the server, and can reload theirs', async (ctx) => {
    if (!hasAdmin()) ctx.skip();
    const context = await newTestContext(browser, server.url);
    const page = await context.newPage();
    const canvas = canvasPage(page);
    await logIn(page, server, '/flows/welcome');
    await canvas.waitForNodes((await admin('GET', '/api/flows/welcome')).body.nodes.length);
    // Someone else saves the file in the meantime.
    const theirs = await admin('GET', '/api/flows/welcome');
    const changed = { ...theirs.body, description: 'Changed elsewhere' };
    expect((await admin('PUT', '/api/flows/welcome', changed, { 'if-match': theirs.etag })).status).toBe(200);
    // Our edit then autosaves against the old ETag.
    await page.getByLabel('Description').fill('Mine');
    await page.getByTestId('conflict-banner').waitFor({ timeout: 15_000 });
    expect((await admin('GET', '/api/flows/welcome')).body.description).toBe('Changed elsewhere');
    await page.getByRole('button', { name: 'Load their version (discard mine)' }).click();
    await eventually(
      async () => (await canvas.flow()).description === 'Changed elsewhere',
      10_000,
      'their version loaded',
    );
    await context.close();
  });

  it('copies steps from one flow and pastes them into another as flow JSON', async () => {
    const context = await newTestContext(browser, server.url);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    const canvas = canvasPage(page);
    await logIn(page, server, '/flows/pizza-order');
    await page.getByTestId('rf__wrapper').waitFor();
    const source = await canvas.flow();
    const picked = source.nodes.filter((n) => n.type !== 'start').slice(0, 2);
    await eventually(
      () => page.evaluate(() => document.querySelectorAll('.react-flow__node').length > 0),
      10_000,
      'nodes',
    );
    await page.evaluate(
      (ids) =>
        (
          window as unknown as { __parley: { store: { getState(): { select(ids: string[]): void } } } }
        ).__parley.store
          .getState()
          .select(ids),
      picked.map((n) => n.id),
    );
    await page
      .getByTestId('rf__wrapper')
      .click({ position: { x: 5, y: 5 }, modifiers: [] })
      .catch(() => undefined);
    await page.evaluate(
      (ids) =>
        (
          window as unknown as { __parley: { store: { getState(): { select(ids: string[]): void } } } }
        ).__parley.store
          .getState()
          .select(ids),
      picked.map((n) => n.id),
    );
    await page.keyboard.press('Control+c');
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    expect(JSON.parse(clipboard)).toMatchObject({ parley: 'flow-fragment' });
    await page.goto('/flows/welcome');
    await page.getByTestId('rf__wrapper').waitFor();
    const before = (await canvas.flow()).nodes.length;
    await page.getByTestId('rf__wrapper').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+v');
    await eventually(async () => (await canvas.flow()).nodes.length === before + 2, 5000, 'pasted nodes');
    const pasted = (await canvas.flow()).nodes.slice(-2);
    expect(pasted.map((n) => n.type)).toEqual(picked.map((n) => n.type));
    expect(pasted.map((n) => n.data)).toEqual(picked.map((n) => n.data));
    await page.keyboard.press('Control+z');
    await eventually(
      async () => (await canvas.flow()).nodes.length === before,
      5000,
      'paste undone in one step',
    );
    await context.close();
  });

  it('dropping a connection on empty canvas opens the step picker and connects the new step', async () => {
    const context = await newTestContext(browser, server.url);
    const page = await context.newPage();
    const canvas = canvasPage(page);
    await logIn(page, server, '/flows/support');
    await page.getByTestId('rf__wrapper').waitFor();
    const before = await canvas.flow();
    await canvas.waitForNodes(before.nodes.length);
    await page.getByTestId('rf__wrapper').click({ position: { x: 5, y: 5 } });
    await page.getByTestId('palette-item-message').click(); // click-to-add: middle of the canvas
    const added = await eventually(
      async () => (await canvas.flow()).nodes.find((n) => !before.nodes.some((b) => b.id === n.id)),
      5000,
      'added node',
    );
    await canvas.waitForNodes(before.nodes.length + 1);
    const handle = page.locator(
      `.react-flow__handle.source[data-nodeid="${added.id}"][data-handleid="next"]`,
    );
    const box = (await handle.boundingBox())!;
    const pane = (await page.getByTestId('rf__wrapper').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    const drop = {
      x: Math.min(box.x + 200, pane.x + pane.width - 40),
      y: Math.min(box.y + 160, pane.y + pane.height - 60),
    };
    await page.mouse.move(drop.x, drop.y, { steps: 15 });
    await page.mouse.up();
    await page.getByTestId('node-picker').waitFor();
    await page.getByTestId('node-picker-search').fill('end');
    await page.getByTestId('node-picker-search').press('Enter');
    const edge = await eventually(
      async () => (await canvas.flow()).edges.find((e) => e.source === added.id && e.sourceHandle === 'next'),
      5000,
      'new edge',
    );
    const target = (await canvas.flow()).nodes.find((n) => n.id === edge.target)!;
    expect(target.type).toBe('end');
    await context.close();
  });

  it('lets a viewer look but not change anything', async (ctx) => {
    if (!hasAdmin()) ctx.skip();
    const viewer = { email: `viewer-${Date.now()}@e2e.local`, password: 'viewer-password-0123' };
    expect((await admin('POST', '/api/users', { ...viewer, role: 'viewer' })).status).toBeLessThan(300);
    const context = await newTestContext(browser, server.url);
    const page = await context.newPage();
    const canvas = canvasPage(page);
    await logIn(page, { ...server, ...viewer }, '/flows/welcome');
    const count = (await admin('GET', '/api/flows/welcome')).body.nodes.length;
    await canvas.waitForNodes(count);
    expect(await page.getByTestId('save-status').textContent()).toBe('Read-only');
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid^="palette-item-"]').first().isDisabled()).toBe(true);
    const target = (await canvas.flow()).nodes.find((n) => n.type !== 'start')!;
    await canvas.select(target.id);
    await page.keyboard.press('Delete');
    await page.waitForTimeout(300);
    expect((await canvas.flow()).nodes).toHaveLength(count);
    await context.close();
  });
});
