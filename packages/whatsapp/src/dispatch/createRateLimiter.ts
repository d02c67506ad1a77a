import { createTokenBucket, type TakeResult, type TokenBucket } from './createTokenBucket.js';

/** Per-number throughput and per-recipient pacing, as one decision. */
export interface RateLimiter {
  /** Takes a slot to send from `phoneNumberId` to `recipient` at `now`, or says when to try again. */
  tryAcquire(phoneNumberId: string, recipient: string, now: number): TakeResult;
  /** After a 130429: the whole number waits until `until`. */
  pauseNumber(phoneNumberId: string, until: number): void;
  /** After a 131056: only this pair waits until `until`. */
  pausePair(phoneNumberId: string, recipient: string, until: number): void;
  /** Forgets idle buckets so memory follows active pairs, not every user ever seen. */
  sweep(now: number): void;
  /** How many pair buckets are held (for tests and metrics). */
  size(): number;
}

export interface RateLimiterOptions {
  /** Meta's throughput per phone number. @default 80 (up to 1,000 when upgraded) */
  perNumberPerSecond?: number;
  /** Burst for one number. @default perNumberPerSecond */
  burst?: number;
  /**
   * Average spacing between messages to one user (Meta's pair rate: 1 per 6 s).
   * @default 6000
   */
  pairIntervalMs?: number;
  /** Messages to one user allowed back to back before pacing starts (Meta tolerates bursts). @default 10 */
  pairBurst?: number;
}

/**
 * Creates the dispatcher's rate limiter: one token bucket per phone number (throughput) and one
 * per (number, recipient) pair (pair rate). A pair token is only taken when the number has one too.
 * @example const limiter = createRateLimiter({ perNumberPerSecond: 80, pairIntervalMs: 6000 });
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const perSecond = Math.min(1000, Math.max(1, options.perNumberPerSecond ?? 80));
  const burst = Math.max(1, options.burst ?? perSecond);
  const pairIntervalMs = Math.max(0, options.pairIntervalMs ?? 6000);
  const pairBurst = Math.max(1, options.pairBurst ?? 10);
  const numbers = new Map<string, TokenBucket>();
  const pairs = new Map<string, TokenBucket>();

  const numberBucket = (id: string, now: number) => {
    let bucket = numbers.get(id);
    if (!bucket)
      numbers.set(id, (bucket = createTokenBucket({ capacity: burst, ratePerSecond: perSecond, now })));
    return bucket;
  };
  const pairKey = (id: string, recipient: string) => `${id}\u0000${recipient}`;
  const pairBucket = (id: string, recipient: string, now: number) => {
    const key = pairKey(id, recipient);
    let bucket = pairs.get(key);
    if (!bucket) {
      const ratePerSecond = pairIntervalMs === 0 ? 1e9 : 1000 / pairIntervalMs;
      pairs.set(key, (bucket = createTokenBucket({ capacity: pairBurst, ratePerSecond, now })));
    }
    return bucket;
  };

  return {
    tryAcquire(phoneNumberId, recipient, now) {
      const pair = pairBucket(phoneNumberId, recipient, now);
      // Check the pair first without spending the number's token on a message that must wait.
      if (pair.available(now) < 1) return pair.tryTake(now);
      const number = numberBucket(phoneNumberId, now).tryTake(now);
      if (!number.ok) return number;
      return pair.tryTake(now);
    },
    pauseNumber(phoneNumberId, until) {
      numberBucket(phoneNumberId, until).pauseUntil(until);
    },
    pausePair(phoneNumberId, recipient, until) {
      pairBucket(phoneNumberId, recipient, until).pauseUntil(until);
    },
    sweep(now) {
      for (const [key, bucket] of pairs) if (bucket.isIdle(now)) pairs.delete(key);
      for (const [key, bucket] of numbers) if (bucket.isIdle(now)) numbers.delete(key);
    },
    size: () => pairs.size,
  };
}
