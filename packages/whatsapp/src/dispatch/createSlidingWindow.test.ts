import { describe, expect, it } from 'vitest';
import { createSlidingWindow } from './createSlidingWindow.js';

describe('createSlidingWindow (fake clock)', () => {
  it('allows `limit` slots, then the next one when the oldest leaves the window', () => {
    const window = createSlidingWindow({ limit: 3, windowMs: 1000 });
    expect([0, 10, 20].map((t) => window.tryTake(t).ok)).toEqual([true, true, true]);
    expect(window.tryTake(30)).toEqual({ ok: false, retryAt: 1000 });
    expect(window.tryTake(999).ok).toBe(false);
    expect(window.tryTake(1000)).toEqual({ ok: true });
    expect(window.tryTake(1000)).toEqual({ ok: false, retryAt: 1010 });
  });

  it('no interval of windowMs ever holds more than limit, whatever the timing of the attempts', () => {
    const window = createSlidingWindow({ limit: 80, windowMs: 1000 });
    const taken: number[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let t = 0; t < 20_000; t += Math.floor(random() * 4)) {
      const attempts = random() < 0.01 ? 200 : 1; // bursts of 200 now and then
      for (let i = 0; i < attempts; i += 1) if (window.tryTake(t).ok) taken.push(t);
    }
    let worst = 0;
    for (let first = 0, last = 0; last < taken.length; last += 1) {
      while (taken[last]! - taken[first]! >= 1000) first += 1;
      worst = Math.max(worst, last - first + 1);
    }
    expect(worst).toBe(80);
    // And the window is used: close to 80 per second over the run.
    expect(taken.length).toBeGreaterThan(80 * 19);
  });

  it('a pause refuses slots until its end', () => {
    const window = createSlidingWindow({ limit: 5, windowMs: 1000 });
    window.pauseUntil(2000);
    expect(window.tryTake(10)).toEqual({ ok: false, retryAt: 2000 });
    expect(window.isIdle(10)).toBe(false);
    expect(window.tryTake(2000)).toEqual({ ok: true });
  });

  it('is idle once its last slot has left the window', () => {
    const window = createSlidingWindow({ limit: 2, windowMs: 1000 });
    expect(window.isIdle(0)).toBe(true);
    window.tryTake(0);
    expect(window.isIdle(999)).toBe(false);
    expect(window.isIdle(1000)).toBe(true);
  });

  it('a clock going backwards frees nothing', () => {
    const window = createSlidingWindow({ limit: 1, windowMs: 1000 });
    expect(window.tryTake(5000).ok).toBe(true);
    expect(window.tryTake(0).ok).toBe(false);
    expect(window.tryTake(5999).ok).toBe(false);
    expect(window.tryTake(6000).ok).toBe(true);
  });

  it('refuses an empty window', () => {
    expect(() => createSlidingWindow({ limit: 1, windowMs: 0 })).toThrow(RangeError);
  });
});
