import { afterEach, describe, expect, it } from 'vitest';
import { createLagGovernor, type LagGovernor } from './createLagGovernor.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Keeps the event loop busy, as a burst of synchronous work does. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning on purpose
  }
}

let governor: LagGovernor | undefined;
afterEach(() => governor?.stop());

describe('createLagGovernor', () => {
  it('halves the limit when the event loop runs late, and grows it back once it is on time', async () => {
    governor = createLagGovernor({ max: 256, sampleMs: 10 });
    expect(governor.limit()).toBe(256);
    block(200);
    // The late sample runs before this 1 ms timer (it was due first).
    await sleep(1);
    expect(governor.lagMs()).toBeGreaterThan(100);
    expect(governor.limit()).toBe(128);
    block(200);
    await sleep(1);
    expect(governor.limit()).toBe(64);
    // On time again: back to the maximum (16 per sample), never beyond it.
    for (let i = 0; i < 100 && governor.limit() < 256; i += 1) await sleep(20);
    expect(governor.limit()).toBe(256);
  });

  it('never goes below its minimum', async () => {
    governor = createLagGovernor({ max: 64, min: 8, sampleMs: 5 });
    for (let i = 0; i < 6; i += 1) {
      block(80);
      await sleep(6);
    }
    expect(governor.limit()).toBeGreaterThanOrEqual(8);
  });
});
