import type { TakeResult } from './createTokenBucket.js';

/** A sliding-window limit on an injected clock: no timers, so it is exact under a fake clock. */
export interface SlidingWindow {
  /** Takes a slot at time `now`, or says when the oldest slot in the window leaves it. */
  tryTake(now: number): TakeResult;
  /** When the next slot is free (at or before `now`: free now), without taking it. */
  freeAt(now: number): number;
  /** Refuses every slot until `until` (a 130429 from Meta: back off the whole number). */
  pauseUntil(until: number): void;
  /** True when no slot is inside the window and no pause holds at `now`: no state worth keeping. */
  isIdle(now: number): boolean;
}

/**
 * Creates a sliding-window limit: at most `limit` slots in any `windowMs`, so no interval of that
 * length (wherever it starts) ever holds more than `limit` sends. Unlike a token bucket of the
 * same rate, which lets a full bucket plus the refill go within one window, this holds under
 * Meta's "80 messages per second" read as a token bucket, a fixed window or a sliding window.
 * It keeps the times of the last `limit` slots in a ring (at most 1,000 per phone number).
 * @example const window = createSlidingWindow({ limit: 80, windowMs: 1100 });
 */
export function createSlidingWindow(options: { limit: number; windowMs: number }): SlidingWindow {
  const limit = Math.max(1, Math.floor(options.limit));
  const windowMs = options.windowMs;
  if (!(windowMs > 0)) throw new RangeError('A sliding window needs a positive length');
  const times = new Array<number>(limit).fill(-Infinity);
  /** Index of the oldest of the last `limit` slots (the next one to overwrite). */
  let oldest = 0;
  let latest = -Infinity;
  let pausedUntil = -Infinity;

  const freeAt = (now: number) => {
    if (now < pausedUntil) return pausedUntil;
    // A clock that goes backwards must not free slots: count from the latest slot taken.
    const free = times[oldest]! + windowMs;
    return free > Math.max(now, latest) ? Math.max(now + 1, Math.ceil(free)) : now;
  };

  return {
    freeAt,
    tryTake(now) {
      const retryAt = freeAt(now);
      if (retryAt > now) return { ok: false, retryAt };
      const at = Math.max(now, latest);
      times[oldest] = at;
      oldest = (oldest + 1) % limit;
      latest = at;
      return { ok: true };
    },
    pauseUntil(until) {
      pausedUntil = Math.max(pausedUntil, until);
    },
    isIdle(now) {
      return now >= pausedUntil && latest + windowMs <= now;
    },
  };
}
