/** The answer of a token bucket: go now, or not before `retryAt`. */
export type TakeResult = { ok: true } | { ok: false; retryAt: number };

/** A token bucket on an injected clock: no timers, so it is exact under a fake clock. */
export interface TokenBucket {
  /** Takes one token at time `now`, or says when one will be there. */
  tryTake(now: number): TakeResult;
  /** Refuses every token until `until` (a 130429 from Meta: back off the whole number). */
  pauseUntil(until: number): void;
  /** Tokens available at `now` (fractional while refilling). */
  available(now: number): number;
  /** True when the bucket is full and unpaused at `now`: it holds no state worth keeping. */
  isIdle(now: number): boolean;
}

/**
 * Creates a token bucket holding up to `capacity` tokens, refilled continuously at `ratePerSecond`.
 * @example const bucket = createTokenBucket({ capacity: 80, ratePerSecond: 80, now: Date.now() });
 */
export function createTokenBucket(options: {
  capacity: number;
  ratePerSecond: number;
  now: number;
}): TokenBucket {
  const capacity = Math.max(1, options.capacity);
  const perMs = options.ratePerSecond / 1000;
  if (!(perMs > 0)) throw new RangeError('A token bucket needs a positive rate');
  let tokens = capacity;
  let updatedAt = options.now;
  let pausedUntil = -Infinity;

  const refill = (now: number) => {
    // A clock that goes backwards must not mint tokens.
    if (now > updatedAt) {
      tokens = Math.min(capacity, tokens + (now - updatedAt) * perMs);
      updatedAt = now;
    }
  };

  return {
    tryTake(now) {
      if (now < pausedUntil) return { ok: false, retryAt: pausedUntil };
      refill(now);
      // The epsilon absorbs float drift from many small refills (0.08 per ms adds up to 0.99999…).
      if (tokens >= 1 - 1e-9) {
        tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAt: now + Math.max(1, Math.ceil((1 - tokens) / perMs - 1e-6)) };
    },
    pauseUntil(until) {
      pausedUntil = Math.max(pausedUntil, until);
    },
    available(now) {
      refill(now);
      return now < pausedUntil ? 0 : tokens;
    },
    isIdle(now) {
      refill(now);
      return now >= pausedUntil && tokens >= capacity - 1e-9;
    },
  };
}
