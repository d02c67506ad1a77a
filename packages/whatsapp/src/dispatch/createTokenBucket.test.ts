import { describe, expect, it } from 'vitest';
import { createTokenBucket } from './createTokenBucket.js';

describe('createTokenBucket (fake clock)', () => {
  it('allows a burst of `capacity`, then one token per 1/rate', () => {
    const bucket = createTokenBucket({ capacity: 3, ratePerSecond: 10, now: 0 });
    expect([0, 0, 0].map((t) => bucket.tryTake(t).ok)).toEqual([true, true, true]);
    expect(bucket.tryTake(0)).toEqual({ ok: false, retryAt: 100 });
    expect(bucket.tryTake(99).ok).toBe(false);
    expect(bucket.tryTake(100)).toEqual({ ok: true });
    expect(bucket.tryTake(150)).toEqual({ ok: false, retryAt: 200 });
  });

  it('sustains exactly its rate over a long run', () => {
    const bucket = createTokenBucket({ capacity: 80, ratePerSecond: 80, now: 0 });
    let sent = 0;
    for (let t = 0; t <= 10_000; t += 1) while (bucket.tryTake(t).ok) sent += 1;
    // 80 of burst + 80 per second for 10 s.
    expect(sent).toBe(80 + 800);
  });

  it('never holds more than capacity after a long idle time', () => {
    const bucket = createTokenBucket({ capacity: 2, ratePerSecond: 1, now: 0 });
    expect(bucket.available(1_000_000)).toBe(2);
  });

  it('a pause refuses tokens until its end, then continues', () => {
    const bucket = createTokenBucket({ capacity: 5, ratePerSecond: 1, now: 0 });
    bucket.pauseUntil(2000);
    expect(bucket.tryTake(10)).toEqual({ ok: false, retryAt: 2000 });
    expect(bucket.available(10)).toBe(0);
    expect(bucket.isIdle(10)).toBe(false);
    expect(bucket.tryTake(2000)).toEqual({ ok: true });
  });

  it('a clock going backwards mints nothing', () => {
    const bucket = createTokenBucket({ capacity: 1, ratePerSecond: 1, now: 1000 });
    expect(bucket.tryTake(1000).ok).toBe(true);
    expect(bucket.tryTake(0).ok).toBe(false);
    expect(bucket.tryTake(500).ok).toBe(false);
  });

  it('refuses a zero rate', () => {
    expect(() => createTokenBucket({ capacity: 1, ratePerSecond: 0, now: 0 })).toThrow(RangeError);
  });
});
