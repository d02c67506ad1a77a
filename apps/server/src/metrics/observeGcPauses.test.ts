import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './MetricsRegistry.js';
import { observeGcPauses } from './observeGcPauses.js';

/** Allocates short-lived objects until V8 has had to scavenge at least once. */
async function makeGarbage(): Promise<void> {
  let keep: unknown[] = [];
  for (let round = 0; round < 50; round += 1) {
    for (let i = 0; i < 100_000; i += 1) keep.push({ i, text: `item ${i}` });
    keep = [];
    // Observer callbacks run on a later turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('observeGcPauses', () => {
  it('counts the pauses of the collections the main thread makes, by kind', async () => {
    const registry = new MetricsRegistry();
    const stop = observeGcPauses(registry);
    await makeGarbage();
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
    const text = await registry.render();
    const minorCount = /^parley_gc_pauses_total\{kind="minor"\} (\d+)$/m.exec(text);
    const minorSeconds = /^parley_gc_pause_seconds_total\{kind="minor"\} ([0-9.e-]+)$/m.exec(text);
    expect(Number(minorCount?.[1])).toBeGreaterThan(0);
    expect(Number(minorSeconds?.[1])).toBeGreaterThan(0);
    // Stopped: more garbage adds nothing.
    await makeGarbage();
    expect(await registry.render()).toBe(text);
  });
});
