import { describe, expect, it } from 'vitest';
import { computeBackoff } from './computeBackoff.js';
import { createRateLimiter } from './createRateLimiter.js';

describe('createRateLimiter (fake clock)', () => {
  it('never sends more than perNumberPerSecond in any second, even with a backlog', () => {
    // A token bucket of 80 per second let a full bucket plus a second of refill go: up to 160 in
    // one second, which Meta (and the simulator) answer with 130429.
    const limiter = createRateLimiter({ perNumberPerSecond: 80 });
    const sentAt: number[] = [];
    for (let t = 0; t < 10_000; t += 1) {
      // A backlog: every millisecond, as many users as the limiter lets through.
      for (let user = 0; limiter.tryAcquire('A', `u${t}-${user}`, t).ok; user += 1) sentAt.push(t);
    }
    const most = (windowMs: number) => {
      let worst = 0;
      for (let first = 0, last = 0; last < sentAt.length; last += 1) {
        while (sentAt[last]! - sentAt[first]! >= windowMs) first += 1;
        worst = Math.max(worst, last - first + 1);
      }
      return worst;
    };
    // The window is 1 s plus the 100 ms margin: 80 at most in any 1.1 s, so in any second too.
    expect(most(1100)).toBe(80);
    expect(most(1000)).toBeLessThanOrEqual(80);
    // A backlog goes out at the window's rate (80 per 1.1 s) after a first burst of a quarter:
    // 20 + 10 s × 72.7 = 747.
    expect(sentAt.filter((t) => t === 0)).toHaveLength(20);
    expect(sentAt.length).toBeGreaterThanOrEqual(740);
    expect(sentAt.length).toBeLessThanOrEqual(750);
  });

  it('windowMarginMs and burst shape the window; numbers are independent; the rate is capped at 1,000', () => {
    const limiter = createRateLimiter({
      perNumberPerSecond: 5000,
      windowMarginMs: 0,
      burst: 5000,
      pairBurst: 10_000,
      pairIntervalMs: 0,
    });
    for (let i = 0; i < 1000; i += 1) expect(limiter.tryAcquire('A', 'u', 0).ok).toBe(true);
    expect(limiter.tryAcquire('A', 'u', 0)).toEqual({ ok: false, retryAt: 1000 });
    expect(limiter.tryAcquire('B', 'u', 0).ok).toBe(true);
    expect(limiter.tryAcquire('A', 'u', 1000).ok).toBe(true);
  });

  it('shares a number’s rate between instances, and takes it all back when alone again', () => {
    const limiter = createRateLimiter({ perNumberPerSecond: 100, windowMarginMs: 0, burst: 100 });
    const sendsAt = (t: number) => {
      let sent = 0;
      while (limiter.tryAcquire('A', `u${t}-${sent}`, t).ok) sent += 1;
      return sent;
    };
    limiter.share(3);
    expect(sendsAt(0)).toBe(33);
    expect(sendsAt(500)).toBe(0);
    expect(sendsAt(1000)).toBe(33);
    limiter.share(1);
    expect(sendsAt(2000)).toBe(100);
    expect(limiter.perNumberPerSecond).toBe(100);
    // A pause from Meta (130429) holds across a new share.
    limiter.pauseNumber('A', 5000);
    limiter.share(2);
    expect(sendsAt(4000)).toBe(0);
    expect(sendsAt(5000)).toBe(50);
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
      pairBurst: 1,
      pairIntervalMs: 6000,
    });
    expect(limiter.tryAcquire('A', 'dana', 0).ok).toBe(true);
    // The number's next slot is at 1,100 (1 s plus the margin).
    expect(limiter.tryAcquire('A', 'tom', 1000)).toEqual({ ok: false, retryAt: 1100 });
    expect(limiter.tryAcquire('A', 'dana', 1100).ok).toBe(false);
    expect(limiter.tryAcquire('A', 'tom', 1100).ok).toBe(true);
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
