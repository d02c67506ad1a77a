import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FlowDocument } from '@parley/flow';
import {
  eventually,
  launchChromium,
  logIn,
  newTestContext,
  screenshot,
  startServer,
  type RunningServer,
} from './harness.js';
import { canvasPage } from './canvasPage.js';

// One user journey through the editor, in order, in real Chromium against the real server.
describe('editor: a user builds, checks, saves, previews and publishes a flow', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let canvas: ReturnType<typeof canvasPage>;
  const optionIds: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchChromium();
    context = await newTestContext(browser, server.url);
    page = await context.newPage();
    canvas = canvasPage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const field = (name: string) =>
    page.getByTestId('property-panel').getByRole('textbox', { name, exact: true });
  const errorBadge = (id: string) =>
    canvas.node(id).locator('[data-testid="node-badge"][data-severity="error"]');

  it('logs in and creates a flow from blank', async () => {
    await logIn(page, server);
    await page.getByTestId('new-flow').click();
    const name = `E2E journey ${Date.now().toString(36)}`;
    await page.getByTestId('new-flow-dialog').getByLabel('Name').fill(name);
    await page.getByTestId('create-flow').click();
    await page.waitForURL(/\/flows\/e2e-journey-/);
    expect(await page.getByTestId('flow-name').textContent()).toBe(name);
    await canvas.waitForNodes(1);
    const flow = await canvas.flow();
    expect(flow.nodes.map((n) => n.type)).toEqual(['start']);
  });

  it('drags a message and a choice from the palette onto the canvas, where they are dropped', async () => {
    await canvas.dragFromPalette('message', { x: 200, y: 60 });
    await canvas.waitForNodes(2);
    await canvas.dragFromPalette('choice', { x: 760, y: 60 });
    await canvas.waitForNodes(3);
    const flow = await canvas.flow();
    const message = flow.nodes.find((n) => n.id === 'message-1');
    const choice = flow.nodes.find((n) => n.id === 'choice-1');
    expect(message?.type).toBe('message');
    expect(choice?.type).toBe('choice');
    expect(choice!.position.x - message!.position.x).toBeGreaterThan(400); // dropped where the pointer was
  });

  it('connects start → message → choice by dragging handles', async () => {
    await canvas.connect('start', 'next', 'message-1');
    await canvas.connect('message-1', 'next', 'choice-1');
    expect(await page.locator('.react-flow__edge').count()).toBe(2);
  });

  it('sets the texts and three option titles in the property panel', async () => {
    await canvas.select('message-1');
    await field('Message').fill('Hi *there*! Welcome to {{contact.name}}’s shop.');
    await expect
      .poll(() => canvas.node('message-1').locator('mark.var').textContent())
      .toBe('{{contact.name}}');
    await canvas.select('choice-1');
    await field('Question').fill('What do you need?');
    await page.getByRole('button', { name: '+ Add option' }).click();
    await field('Option 1 title').fill('Menu');
    await field('Option 2 title').fill('Orders');
    await field('Option 3 title').fill('Help');
    await page.getByTestId('property-panel').getByLabel('Show as', { exact: true }).selectOption('buttons');
    const flow = await canvas.flow();
    const options = flow.nodes.find((n) => n.id === 'choice-1')!.data.options as Array<{
      id: string;
      title: string;
    }>;
    expect(options.map((o) => o.title)).toEqual(['Menu', 'Orders', 'Help']);
    optionIds.push(...options.map((o) => o.id));
    expect(new Set(optionIds).size).toBe(3);
    // The card shows the options as WhatsApp reply buttons, one handle each (handle id = option id).
    await expect.poll(() => canvas.node('choice-1').locator('.port-row.wa-button').count()).toBe(3);
    for (const id of optionIds)
      expect(
        await page.locator(`.react-flow__handle[data-nodeid="choice-1"][data-handleid="${id}"]`).count(),
      ).toBe(1);
  });

  it('connects each option to a step (by dragging and from the panel)', async () => {
    await page.keyboard.press('Escape');
    await page.getByTestId('rf__wrapper').click({ position: { x: 10, y: 10 } });
    await canvas.dragFromPalette('message', { x: 760, y: 560 });
    await canvas.waitForNodes(4);
    await canvas.dragFromPalette('message', { x: 200, y: 560 });
    await canvas.waitForNodes(5);
    await canvas.dragFromPalette('message', { x: 480, y: 700 });
    await canvas.waitForNodes(6);
    await canvas.connect('choice-1', optionIds[0]!, 'message-2');
    await canvas.select('choice-1');
    await page.getByTestId(`connect-${optionIds[1]}`).selectOption('message-3');
    await page.getByTestId(`connect-${optionIds[2]}`).selectOption('message-4');
    const flow = await canvas.flow();
    const targets = optionIds.map(
      (id) => flow.edges.find((e) => e.source === 'choice-1' && e.sourceHandle === id)?.target,
    );
    expect(targets).toEqual(['message-2', 'message-3', 'message-4']);
    for (const [i, id] of ['message-2', 'message-3', 'message-4'].entries()) {
      await canvas.select(id);
      await field('Message').fill(`You picked option ${i + 1}.`);
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('rf__wrapper').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('l'); // tidy up
    await page.getByRole('button', { name: 'Fit View' }).click();
    await screenshot(page, 'editor');
  });

  it('shows a lint badge for a 21-character button title, and removes it when fixed', async () => {
    await canvas.select('choice-1');
    await field('Option 1 title').fill('A'.repeat(21));
    await errorBadge('choice-1').waitFor({ timeout: 10_000 });
    // The problems list names it; clicking it selects the step.
    await page.keyboard.press('Escape');
    await page.getByTestId('rf__wrapper').click({ position: { x: 10, y: 10 } });
    await page.getByTestId('problems-toggle').click();
    const problem = page.getByTestId('problem-item').filter({ hasText: 'choice-1' }).first();
    await problem.waitFor();
    await problem.click();
    await eventually(
      () =>
        page.evaluate(
          () =>
            (
              window as unknown as { __parley: { store: { getState(): { selectedNodeIds: string[] } } } }
            ).__parley.store
              .getState()
              .selectedNodeIds.join() === 'choice-1',
        ),
      5000,
      'problem selects its step',
    );
    await page.getByTestId('problems-toggle').click();
    await field('Option 1 title').fill('Menu');
    await errorBadge('choice-1').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('never deletes a step when Backspace is pressed in a field', async () => {
    await canvas.select('message-2');
    await field('Message').press('End');
    await field('Message').press('Backspace');
    const flow = await canvas.flow();
    expect(flow.nodes.some((n) => n.id === 'message-2')).toBe(true);
    expect(flow.nodes.find((n) => n.id === 'message-2')!.data.text).toBe('You picked option 1');
    await field('Message').fill('You picked option 1.');
  });

  it('saves with Ctrl+S, and after a reload finds the flow intact', async () => {
    await page.keyboard.press('Control+s');
    await eventually(
      async () => (await page.getByTestId('save-status').getAttribute('data-status')) === 'saved',
      10_000,
      'saved status',
    );
    const before = await canvas.flow();
    await page.reload();
    await canvas.waitForNodes(6);
    const after = await canvas.flow();
    const strip = (f: FlowDocument) => ({
      nodes: f.nodes.map((n) => ({ id: n.id, type: n.type, data: n.data })),
      edges: f.edges.map((e) => [e.source, e.sourceHandle, e.target]),
    });
    expect(strip(after)).toEqual(strip(before));
    expect(after.edges).toHaveLength(5);
  });

  it('chats in the preview: the bot greets with buttons, a tap moves on, the canvas follows', async () => {
    await page.getByTestId('preview-toggle').click();
    await page.getByTestId('preview-start').click();
    await page.getByTestId('preview-input').fill('hi');
    await page.getByTestId('preview-input').press('Enter');
    const bot = page.locator('[data-testid="preview-bubble"][data-from="bot"]');
    await bot.filter({ hasText: 'Welcome to' }).waitFor({ timeout: 20_000 });
    await expect
      .poll(() => bot.filter({ hasText: 'Welcome to' }).locator('strong').textContent())
      .toBe('there');
    const menu = page.getByTestId('preview-reply-button').filter({ hasText: 'Menu' });
    await menu.waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('preview-reply-button').allTextContents()).toEqual([
      'Menu',
      'Orders',
      'Help',
    ]);
    await eventually(
      async () =>
        (await canvas.node('choice-1').locator('.node-card').getAttribute('class'))?.includes('active'),
      15_000,
      'choice highlighted',
    );
    await menu.click();
    await bot.filter({ hasText: 'You picked option 1.' }).waitFor({ timeout: 20_000 });
    await eventually(
      async () =>
        (await canvas.node('message-1').locator('.node-card').getAttribute('class'))?.includes('visited'),
      15_000,
      'path highlighted',
    );
    // Clicking a bot bubble selects the step that sent it.
    await bot.filter({ hasText: 'You picked option 1.' }).click();
    await eventually(
      async () =>
        page.evaluate(
          () =>
            (
              window as unknown as { __parley: { store: { getState(): { selectedNodeIds: string[] } } } }
            ).__parley.store
              .getState()
              .selectedNodeIds.join() === 'message-2',
        ),
      5000,
      'bubble selects its node',
    );
    await screenshot(page, 'preview');
    // The variables inspector shows what the conversation stored; the chat can be kept as a test.
    await page.getByTestId('preview-vars-toggle').click();
    await expect.poll(() => page.getByTestId('preview-vars').textContent()).toContain('Menu');
    await page.getByTestId('preview-save-test').click();
    await expect
      .poll(() => page.getByTestId('preview-panel').textContent())
      .toMatch(/Saved as .*\.test\.json/);
  });

  it('publishes', async () => {
    await page.getByTestId('publish').click();
    await expect
      .poll(() => page.getByTestId('banner').textContent(), { timeout: 15_000 })
      .toContain('Published version 1');
    await page.getByTestId('versions').click();
    await expect.poll(() => page.getByTestId('version-row').count()).toBe(1);
    expect(await page.getByTestId('version-row').first().textContent()).toContain('v1');
    await page.getByTestId('versions-dialog').getByRole('button', { name: 'Close' }).click();
  });

  it('undoes and redoes a deletion', async () => {
    await canvas.select('message-4');
    await page.keyboard.press('Delete');
    await eventually(
      async () => !(await canvas.flow()).nodes.some((n) => n.id === 'message-4'),
      5000,
      'deleted',
    );
    expect((await canvas.flow()).edges.some((e) => e.target === 'message-4')).toBe(false);
    await page.keyboard.press('Control+z');
    await eventually(
      async () => (await canvas.flow()).nodes.some((n) => n.id === 'message-4'),
      5000,
      'restored',
    );
    expect((await canvas.flow()).edges.some((e) => e.target === 'message-4')).toBe(true);
    await page.keyboard.press('Control+Shift+z');
    await eventually(
      async () => !(await canvas.flow()).nodes.some((n) => n.id === 'message-4'),
      5000,
      'deleted again',
    );
    await page.keyboard.press('Control+z');
    await canvas.waitForNodes(6);
  });

  it('refuses to delete the start step', async () => {
    await page.getByRole('button', { name: 'Fit View' }).click();
    await canvas.select('start');
    await page.keyboard.press('Delete');
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('start step cannot be deleted');
    expect((await canvas.flow()).nodes.some((n) => n.id === 'start')).toBe(true);
  });
});
