/**
 * Builder performance at 1,000 nodes, in a production build, in headless Chromium:
 * time to open the flow (navigation → every card measured and fitted) and frame times while
 * panning and while dragging a node. Run after `npm run build`:
 *   npx tsx --conditions=source apps/builder/e2e/perf.ts [nodeCount]
 * Prints the figures and writes artifacts/perf-builder.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FlowDocument } from '@parley/flow';
import type { Page } from 'playwright-core';
import { launchChromium, logIn, newTestContext, repoRoot, startServer } from './harness.js';

/** A flow of `count` nodes: a start, then messages and three-option choices in a grid, chained. */
export function bigFlow(id: string, count: number): FlowDocument {
  const columns = Math.ceil(Math.sqrt(count * 1.6));
  const nodes: FlowDocument['nodes'] = [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} }];
  const edges: FlowDocument['edges'] = [];
  for (let i = 1; i < count; i += 1) {
    const position = { x: (i % columns) * 340, y: Math.floor(i / columns) * 300 };
    const isChoice = i % 3 === 0;
    nodes.push(
      isChoice
        ? {
            id: `n${i}`,
            type: 'choice',
            position,
            data: {
              question: `Question ${i}: which one, {{contact.name}}?`,
              options: [
                { id: `a${i}`, title: 'First' },
                { id: `b${i}`, title: 'Second' },
                { id: `c${i}`, title: 'Third' },
              ],
            },
          }
        : {
            id: `n${i}`,
            type: 'message',
            position,
            data: { text: `Message number ${i} for {{contact.name}}` },
          },
    );
    const previous = nodes[i - 1]!;
    const handle = previous.type === 'choice' ? `a${i - 1}` : 'next';
    edges.push({ id: `e${i}`, source: previous.id, sourceHandle: handle, target: `n${i}` });
  }
  return {
    schemaVersion: 1,
    id,
    name: `Perf ${count}`,
    variables: [],
    settings: {
      globalKeywords: [],
      optOut: { enabled: true, stopWords: ['STOP'], startWords: ['START'] },
      coalesceMs: 0,
      inactivityTimeoutMinutes: 1440,
      versionPolicy: 'pinned',
      staleReply: 'fallback',
    },
    nodes,
    edges,
  };
}

interface FrameStats {
  frames: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
}

async function recordFrames(page: Page, during: () => Promise<void>): Promise<FrameStats> {
  // A string, not a function: tsx would wrap named functions in a helper the page does not have.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__recording = true;
    function tick(t) { window.__frames.push(t); if (window.__recording) requestAnimationFrame(tick); }
    requestAnimationFrame(tick);
  })()`);
  await during();
  const stamps = (await page.evaluate(
    '(() => { window.__recording = false; return window.__frames; })()',
  )) as number[];
  const deltas = stamps
    .slice(1)
    .map((t, i) => t - (stamps[i] as number))
    .sort((a, b) => a - b);
  const mean = deltas.reduce((s, d) => s + d, 0) / Math.max(deltas.length, 1);
  return {
    frames: deltas.length,
    meanMs: round(mean),
    p95Ms: round(deltas[Math.floor(deltas.length * 0.95)] ?? 0),
    maxMs: round(deltas[deltas.length - 1] ?? 0),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

async function main() {
  const count = Number(process.argv[2] ?? 1000);
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const context = await newTestContext(browser, server.url);
    const page = await context.newPage();
    await logIn(page, server);
    const flowId = `perf-${count}-${Date.now().toString(36)}`;
    const created = await page.evaluate(
      async (doc) => {
        const me = await (await fetch('/api/auth/me')).json();
        const res = await fetch('/api/flows', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify({ id: doc.id, name: doc.name, document: doc }),
        });
        return res.status;
      },
      bigFlow(flowId, count),
    );
    if (created !== 201) throw new Error(`creating the flow answered ${created}`);

    page.on('pageerror', (e) => console.error('page error:', e.message));
    const started = Date.now();
    await page.goto(`/flows/${flowId}`);
    // Open = the flow is loaded, fitted to the screen, and every card in the DOM is measured (React
    // Flow shows a card once it has its size; big flows only keep the cards in view in the DOM).
    const isOpen = `(() => {
      const doc = window.__parley && window.__parley.getFlow();
      if (!doc || doc.nodes.length !== ${count}) return false;
      const nodes = document.querySelectorAll('.react-flow__node');
      if (nodes.length === 0) return false;
      for (const el of nodes) if (el.style.visibility === 'hidden') return false;
      const viewport = document.querySelector('.react-flow__viewport');
      return ${count} <= 20 || !/scale\\(1\\)/.test(viewport ? viewport.style.transform : '');
    })()`;
    while (!(await page.evaluate(isOpen))) {
      if (Date.now() - started > 180_000) throw new Error('the flow did not open within 3 minutes');
      await new Promise((r) => setTimeout(r, 25));
    }
    const openMs = Date.now() - started;

    const box = (await page.getByTestId('rf__wrapper').boundingBox())!;
    // Zoom in to a working scale first: that is where people pan.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 6; i += 1) await page.mouse.wheel(0, -300);
    await page.waitForTimeout(300);
    // Pan by dragging the pane (away from the minimap and the controls), then back.
    const panBy = (dx: number, dy: number) =>
      recordFrames(page, async () => {
        const from = { x: box.x + box.width / 2 - dx / 2, y: box.y + box.height / 2 - dy / 2 };
        await page.mouse.move(from.x, from.y);
        await page.mouse.down();
        await page.mouse.move(from.x + dx, from.y + dy, { steps: 90 });
        await page.mouse.up();
      });
    const pan = await panBy(-500, -250);
    const panOut = await panBy(500, 250);

    // Drag the card nearest the centre of the canvas.
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const card = (await page.evaluate(`(() => {
      let best = null;
      for (const el of document.querySelectorAll('.react-flow__node .node-head')) {
        const r = el.getBoundingClientRect();
        const d = Math.hypot(r.x + r.width / 2 - ${cx}, r.y + r.height / 2 - ${cy});
        if (r.width > 0 && (!best || d < best.d)) best = { x: r.x, y: r.y, d };
      }
      return best;
    })()`)) as { x: number; y: number } | null;
    if (!card) {
      await page.screenshot({ path: path.join(repoRoot, 'artifacts', 'perf-failure.png') });
      throw new Error(
        `no card in view to drag (${await page.locator('.react-flow__node').count()} in the DOM)`,
      );
    }
    const drag = await recordFrames(page, async () => {
      await page.mouse.move(card.x + 20, card.y + 8);
      await page.mouse.down();
      await page.mouse.move(card.x + 260, card.y + 160, { steps: 60 });
      await page.mouse.up();
    });

    // Type into the selected card's main text in the panel (each keystroke re-renders one card).
    await page.mouse.click(card.x + 20, card.y + 8);
    const textBox = page.getByTestId('property-panel').locator('textarea').first();
    await textBox.click();
    const typingStarted = Date.now();
    const typing = await recordFrames(page, async () => {
      await textBox.press('End');
      await page.keyboard.type(' typed at a thousand steps', { delay: 15 });
    });
    const typingMs = Date.now() - typingStarted;

    const renderedCards = await page.locator('.react-flow__node').count();
    const load = (await import('node:os')).loadavg()[0] ?? 0;
    const figures = {
      nodeCount: count,
      openMs,
      renderedCards,
      machineLoadAverage: Math.round(load * 10) / 10,
      panFrames: pan,
      panBackFrames: panOut,
      dragNodeFrames: drag,
      typingFrames: typing,
      typing26CharsMs: typingMs,
      chromium: browser.version(),
      measuredAt: new Date().toISOString(),
    };
    console.log(JSON.stringify(figures, null, 2));
    await mkdir(path.join(repoRoot, 'artifacts'), { recursive: true });
    await writeFile(
      path.join(repoRoot, 'artifacts', 'perf-builder.json'),
      `${JSON.stringify(figures, null, 2)}\n`,
    );
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (process.argv[1]?.endsWith('perf.ts')) await main();
