import type { Locator, Page } from 'playwright-core';
import type { FlowDocument } from '@parley/flow';
import { eventually } from './harness.js';

/** Page-object helpers for the editor canvas (n8n's CanvasPage pattern). */
export function canvasPage(page: Page) {
  const wrapper = page.getByTestId('rf__wrapper');

  async function flow(): Promise<FlowDocument> {
    return page.evaluate(
      () => (window as unknown as { __parley: { getFlow(): unknown } }).__parley.getFlow() as never,
    );
  }

  async function center(locator: Locator) {
    const box = await locator.boundingBox();
    if (!box) throw new Error('element has no box');
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  return {
    wrapper,
    flow,
    node: (id: string) => page.getByTestId(`rf__node-${id}`),
    /** Waits until the canvas shows `count` measured (visible) nodes. */
    async waitForNodes(count: number) {
      await wrapper.waitFor();
      await eventually(
        () =>
          page.evaluate(
            (n) =>
              [...document.querySelectorAll('.react-flow__node')].filter(
                (el) => getComputedStyle(el).visibility === 'visible',
              ).length === n,
            count,
          ),
        15_000,
        `${count} visible nodes`,
      );
    },
    /** Drags a palette item onto the canvas at a point relative to the canvas' top-left. */
    async dragFromPalette(type: string, at: { x: number; y: number }) {
      await page.getByTestId(`palette-item-${type}`).dragTo(wrapper, { targetPosition: at });
    },
    /** Connects a source handle to a target node by dragging, like a user. */
    async connect(source: string, handle: string, target: string) {
      const from = page.locator(
        `.react-flow__handle.source[data-nodeid="${source}"][data-handleid="${handle}"]`,
      );
      const to = page.locator(`.react-flow__handle.target[data-nodeid="${target}"]`);
      const a = await center(from);
      const b = await center(to);
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      await page.mouse.move(b.x, b.y, { steps: 15 });
      await page.mouse.move(b.x + 1, b.y, { steps: 1 });
      await page.mouse.up();
      await eventually(
        async () =>
          (await flow()).edges.some(
            (e) => e.source === source && e.sourceHandle === handle && e.target === target,
          ),
        5000,
        `edge ${source}.${handle} → ${target}`,
      );
    },
    /** Selects a node by clicking its header. */
    async select(id: string) {
      await page.getByTestId(`rf__node-${id}`).locator('.node-head').click();
      await eventually(
        async () =>
          page.evaluate(
            (nodeId) =>
              (
                window as unknown as { __parley: { store: { getState(): { selectedNodeIds: string[] } } } }
              ).__parley.store
                .getState()
                .selectedNodeIds.join() === nodeId,
            id,
          ),
        5000,
        `selection of ${id}`,
      );
    },
  };
}
