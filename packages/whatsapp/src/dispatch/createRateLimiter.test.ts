import { describe, expect, it } from 'vitest';
import { computeBackoff } from './computeBackoff.js';
import { createRateLimiter } from './createRateLimiter.js';

describe('createRateLimiter (fake clock)', () => {
  it('caps one number at its throughput across many recipients', () => {
    const limiter = createRateLimiter({ perNumberPerSecond: 80 });
    let sent = 0;
    for (let t = 0; t < 1000; t += 10) {
      for (let user = 0; user < 200; user += 1) if (limiter.tryAcquire('A', `u${user}`, t).ok) sent += 1;
    }
    expect(sent).toBeGreaterThanOrEqual(150);
    expect(sent).toBeLessThanOrEqual(160);
  });

  it('numbers are independent; the rate is capped at 1,000', () => {
    const limiter = createRateLimiter({
      perNumberPerSecond: 5000,
      burst: 1,
      pairBurst: 10_000,
      pairIntervalMs: 0,
    });
    expect(limiter.tryAcquire('A', 'u', 0).ok).toBe(true);
    expect(limiter.tryAcquire('A', 'u', 0)).toEqual({ ok: false, retryAt: 1 });
    expect(limiter.tryAcquire('B', 'u', 0).ok).toBe(true);
  });

  it('paces one recipient: a burst, then one message per pairIntervalMs', () => {
    const limiter = createRateLimiter({ pairIntervalMs: 6000, pairBurst: 3 });
    expect([0, 0, 0].map((t) => limiter.tryAcquire('A', 'dana', t).ok)).toEqual([true, true, true]);
    expect(limiter.tryAcquire('A', 'dana', 0)).toEqual({ ok: false, retryAt: 6000 });
    expect(limiter.tryAcquire('A', 'tom', 0).ok).toBe(true);
    expect(limiter.tryAcquire('A', 'dana', 5999).ok).toBe(false);
    expect(limiter.tryAcquire('A', 'dana', 6000).ok).toBe(true);
  });

  it('a paced pair does not spend the number’s tokens', () => {
    const limiter = createRateLimiter({
      perNumberPerSecond: 1,
      burst: 1,
      pairBurst: 1,
      pairIntervalMs: 6000,
    });
    expect(limiter.tryAcquire('A', 'dana', 0).ok).toBe(true);
    expect(limiter.tryAcquire('A', 'dana', 1000).ok).toBe(false);
    expect(limiter.tryAcquire('A', 'tom', 1000).ok).toBe(true);
  });

  it('pausing a pair (131056) or a number (130429)', () => {
    const limiter = createRateLimiter({ pairIntervalMs: 0 });
    limiter.pausePair('A', 'dana', 4000);
    expect(limiter.tryAcquire('A', 'dana', 0)).toEqual({ ok: false, retryAt: 4000 });
    expect(limiter.tryAcquire('A', 'tom', 0).ok).toBe(true);
    limiter.pauseNumber('A', 9000);
    expect(limiter.tryAcquire('A', 'tom', 10)).toEqual({ ok: false, retryAt: 9000 });
    expect(limiter.tryAcquire('B', 'tom', 10).ok).toBe(true);
  });

  it('sweep forgets idle pairs only', () => {
    const limiter = createRateLimiter({ pairIntervalMs: 1000, pairBurst: 2 });
    limiter.tryAcquire('A', 'a', 0);
    limiter.tryAcquire('A', 'b', 0);
    limiter.sweep(500);
    expect(limiter.size()).toBe(2);
    limiter.sweep(1000);
    expect(limiter.size()).toBe(0);
  });
});

describe('computeBackoff', () => {
  it('doubles from baseMs, with jitter in the upper half, capped at maxMs', () => {
    const options = { baseMs: 1000, maxMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => computeBackoff(a, options, () => 0))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((a) => computeBackoff(a, options, () => 0.999999))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    expect(computeBackoff(1000, options, () => 0.5)).toBe(7500);
  });
});
