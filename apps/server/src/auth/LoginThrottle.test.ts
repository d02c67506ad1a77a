import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './LoginThrottle.js';

describe('LoginThrottle', () => {
  it('blocks an IP + email after the failures allowed, until the window passes', () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(t.check('1.1.1.1', 'a@x.io').allowed).toBe(true);
      t.recordFailure('1.1.1.1', 'a@x.io');
      now += 1000;
    }
    const blocked = t.check('1.1.1.1', 'A@X.io ');
    expect(blocked).toEqual({ allowed: false, retryAfterSeconds: 57 });
    expect(t.check('1.1.1.1', 'b@x.io').allowed).toBe(true);
    expect(t.check('2.2.2.2', 'a@x.io').allowed).toBe(true);
    now = 60_001;
    expect(t.check('1.1.1.1', 'a@x.io').allowed).toBe(true);
  });

  it('a success clears the pair', () => {
    const t = new LoginThrottle({ maxFailures: 2, now: () => 0 });
    t.recordFailure('ip', 'a');
    t.recordSuccess('ip', 'a');
    t.recordFailure('ip', 'a');
    expect(t.check('ip', 'a').allowed).toBe(true);
  });

  it('limits password spraying across emails from one IP', () => {
    const t = new LoginThrottle({ maxFailures: 5, maxFailuresPerIp: 4, now: () => 0 });
    for (let i = 0; i < 4; i++) t.recordFailure('ip', `user${i}@x.io`);
    expect(t.check('ip', 'fresh@x.io').allowed).toBe(false);
  });

  it('keeps memory bounded', () => {
    const t = new LoginThrottle({ maxEntries: 10, now: () => 0 });
    for (let i = 0; i < 100; i++) t.recordFailure(`ip${i}`, 'a');
    expect((t as unknown as { failures: Map<string, unknown> }).failures.size).toBeLessThanOrEqual(10);
  });
});
