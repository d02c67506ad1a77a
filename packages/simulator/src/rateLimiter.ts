/** A token bucket: `capacity` tokens, refilled at one token every `intervalMs`. */
interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Meta's throughput rules, enforced on demand (PROTOCOL.md §8). */
export interface RateLimits {
  /** Messages per second per business number (Meta's default is 80). */
  perNumberPerSecond?: number;
  /** Pair limit: a burst, then one message per `intervalMs` to the same user. @default { burst: 45, intervalMs: 6000 } */
  pairPerUser?: { burst?: number; intervalMs?: number } | false;
}

/** Answers whether a send may go now, and which limit it broke when not. */
export interface RateLimiter {
  check(phoneNumberId: string, userId: string): 'ok' | 'number' | 'pair';
}

/**
 * Token buckets per number and per (number, user), driven by the injected clock.
 * @example createRateLimiter({ perNumberPerSecond: 80 }, () => Date.now()).check('1122', '1555')
 */
export function createRateLimiter(limits: RateLimits, now: () => number): RateLimiter {
  const numbers = new Map<string, Bucket>();
  const pairs = new Map<string, Bucket>();
  const perSecond = limits.perNumberPerSecond;
  const pair =
    limits.pairPerUser === false ? undefined : { burst: 45, intervalMs: 6000, ...limits.pairPerUser };

  const take = (
    map: Map<string, Bucket>,
    key: string,
    capacity: number,
    intervalMs: number,
    commit: boolean,
  ) => {
    const at = now();
    const bucket = map.get(key) ?? { tokens: capacity, updatedAt: at };
    const tokens = Math.min(capacity, bucket.tokens + (at - bucket.updatedAt) / intervalMs);
    const ok = tokens >= 1;
    if (commit) map.set(key, { tokens: ok ? tokens - 1 : tokens, updatedAt: at });
    return ok;
  };

  return {
    check(phoneNumberId, userId) {
      if (perSecond !== undefined && !take(numbers, phoneNumberId, perSecond, 1000 / perSecond, false))
        return 'number';
      if (pair && !take(pairs, `${phoneNumberId}:${userId}`, pair.burst, pair.intervalMs, true))
        return 'pair';
      if (perSecond !== undefined) take(numbers, phoneNumberId, perSecond, 1000 / perSecond, true);
      return 'ok';
    },
  };
}
