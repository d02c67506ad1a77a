import { createSlidingWindow, type SlidingWindow } from './createSlidingWindow.js';
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
  /**
   * The instances sending for the same numbers (each paces its share): from now on each number
   * gets `perNumberPerSecond / instances` sends a window here.
   */
  share(instances: number): void;
  /** The sends one number may make in a window (the option as applied: 1 to 1,000). */
  readonly perNumberPerSecond: number;
}

export interface RateLimiterOptions {
  /**
   * Meta's throughput per phone number: never more than this many sends in any window of
   * `1000 + windowMarginMs` ms. @default 80 (up to 1,000 when upgraded)
   */
  perNumberPerSecond?: number;
  /**
   * How much longer than a second the number's window is. Meta counts a send when it arrives, and
   * arrivals are not spaced like departures (latency varies, a stalled event loop releases several
   * at once): the margin is the latency difference that still cannot put more than
   * `perNumberPerSecond` sends in one of Meta's seconds. Costs `margin / (1000 + margin)` of the
   * peak rate. @default 100
   */
  windowMarginMs?: number;
  /**
   * Sends of one number allowed back to back before they are spread evenly over the window
   * (at most `perNumberPerSecond`). @default a quarter of perNumberPerSecond
   */
  burst?: number;
  /**
   * Average spacing between messages to one user (Meta's pair rate: 1 per 6 s).
   * @default 6000
   */
  pairIntervalMs?: number;
  /** Messages to one user allowed back to back before pacing starts (Meta tolerates bursts). @default 10 */
  pairBurst?: number;
}

/** One number's throughput: a hard sliding-window cap, and a bucket that spreads sends over it. */
interface NumberLimit {
  window: SlidingWindow;
  smooth: TokenBucket;
}

/**
 * Creates the dispatcher's rate limiter. Per phone number: a sliding window, so no window of
 * `1000 + windowMarginMs` ms ever holds more than `perNumberPerSecond` sends (PROTOCOL.md §8:
 * exceeding is a 130429), and a token bucket at the same average rate that spreads a backlog
 * evenly instead of replaying a full burst each window. Per (number, recipient) pair: a token
 * bucket (Meta's pair limit is one of borrowed bursts paid back at 1 per 6 s). A slot is only
 * taken when every limit has one.
 * @example const limiter = createRateLimiter({ perNumberPerSecond: 80, pairIntervalMs: 6000 });
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const perWindow = Math.min(1000, Math.max(1, Math.floor(options.perNumberPerSecond ?? 80)));
  const windowMs = 1000 + Math.max(0, options.windowMarginMs ?? 100);
  const burst = Math.min(perWindow, Math.max(1, options.burst ?? Math.ceil(perWindow / 4)));
  const pairIntervalMs = Math.max(0, options.pairIntervalMs ?? 6000);
  const pairBurst = Math.max(1, options.pairBurst ?? 10);
  const numbers = new Map<string, NumberLimit>();
  /** This instance's share of `perWindow` (see `share`). */
  let shared = perWindow;
  /** Numbers Meta paused (130429), kept apart so a limit rebuilt by `share` keeps its pause. */
  const pauses = new Map<string, number>();
  const pairs = new Map<string, TokenBucket>();

  const numberLimit = (id: string, now: number) => {
    let limit = numbers.get(id);
    if (!limit) {
      limit = {
        window: createSlidingWindow({ limit: shared, windowMs }),
        smooth: createTokenBucket({
          capacity: Math.min(burst, shared),
          ratePerSecond: (shared * 1000) / windowMs,
          now,
        }),
      };
      const pausedUntil = pauses.get(id);
      if (pausedUntil !== undefined) limit.window.pauseUntil(pausedUntil);
      numbers.set(id, limit);
    }
    return limit;
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
      // Check every limit before taking from any, so a message that must wait spends nothing.
      if (pair.available(now) < 1) return pair.tryTake(now);
      const number = numberLimit(phoneNumberId, now);
      const smooth = number.smooth.available(now) >= 1 - 1e-9 ? null : number.smooth.tryTake(now);
      const windowFreeAt = number.window.freeAt(now);
      // Both refusing: the later of the two, so the row is not woken only to be refused again.
      if (smooth && !smooth.ok) return { ok: false, retryAt: Math.max(smooth.retryAt, windowFreeAt) };
      if (windowFreeAt > now) return { ok: false, retryAt: windowFreeAt };
      number.window.tryTake(now);
      number.smooth.tryTake(now);
      return pair.tryTake(now);
    },
    pauseNumber(phoneNumberId, until) {
      pauses.set(phoneNumberId, Math.max(until, pauses.get(phoneNumberId) ?? 0));
      numberLimit(phoneNumberId, until).window.pauseUntil(until);
    },
    pausePair(phoneNumberId, recipient, until) {
      pairBucket(phoneNumberId, recipient, until).pauseUntil(until);
    },
    sweep(now) {
      for (const [key, bucket] of pairs) if (bucket.isIdle(now)) pairs.delete(key);
      for (const [key, limit] of numbers)
        if (limit.window.isIdle(now) && limit.smooth.isIdle(now)) numbers.delete(key);
      for (const [key, until] of pauses) if (until <= now) pauses.delete(key);
    },
    share(instances) {
      const next = Math.max(1, Math.floor(perWindow / Math.max(1, instances)));
      if (next === shared) return;
      shared = next;
      // Rebuilt at the new rate on each number's next send, pauses kept. What the old window held
      // is forgotten: in the second an instance joins, a number may see up to one window more.
      numbers.clear();
    },
    size: () => pairs.size,
    perNumberPerSecond: perWindow,
  };
}
