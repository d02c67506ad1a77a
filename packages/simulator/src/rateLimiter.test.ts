import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rateLimiter.js';

describe('createRateLimiter', () => {
  it('allows a burst of perNumberPerSecond, then refills one token per 1/rate second', () => {
    let now = 0;
    const limiter = createRateLimiter({ perNumberPerSecond: 4, pairPerUser: false }, () => now);
    expect([1, 2, 3, 4, 5].map((i) => limiter.check('n1', `u${i}`))).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'number',
    ]);
    expect(limiter.check('n2', 'u1')).toBe('ok'); // another number has its own bucket
    now += 249;
    expect(limiter.check('n1', 'u9')).toBe('number');
    now += 1;
    expect(limiter.check('n1', 'u9')).toBe('ok');
  });

  it("applies the pair limit per user, and a pair refusal does not spend the number's token", () => {
    let now = 0;
    const limiter = createRateLimiter(
      { perNumberPerSecond: 3, pairPerUser: { burst: 2, intervalMs: 6000 } },
      () => now,
    );
    expect(limiter.check('n', 'a')).toBe('ok');
    expect(limiter.check('n', 'a')).toBe('ok');
    expect(limiter.check('n', 'a')).toBe('pair');
    expect(limiter.check('n', 'b')).toBe('ok'); // the refused one left the 3rd number token
    expect(limiter.check('n', 'c')).toBe('number');
    now += 6000;
    expect(limiter.check('n', 'a')).toBe('ok');
  });

  it("defaults the pair limit to Meta's 45-message burst", () => {
    const limiter = createRateLimiter({}, () => 0);
    const verdicts = Array.from({ length: 46 }, () => limiter.check('n', 'a'));
    expect(verdicts.filter((v) => v === 'ok')).toHaveLength(45);
    expect(verdicts.at(-1)).toBe('pair');
  });
});
