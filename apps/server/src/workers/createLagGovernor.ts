/** A concurrency limit that follows the event loop's health. */
export interface LagGovernor {
  /** The limit to apply now, between `min` and `max`. */
  limit(): number;
  /** The last measured event-loop lag, in ms. */
  lagMs(): number;
  stop(): void;
}

export interface LagGovernorOptions {
  max: number;
  /** Never below this, so the backlog always moves. @default max / 16 */
  min?: number;
  /** How often the loop's lateness is sampled. @default 20 */
  sampleMs?: number;
  /** Lateness that halves the limit (at most once per `sampleMs * 10`). @default 30 */
  highLagMs?: number;
  /** Lateness under which the limit grows again, by `max / 16` per sample. @default 10 */
  lowLagMs?: number;
  /** @default performance.now */
  now?: () => number;
}

/**
 * Shrinks the work a worker takes on while the event loop runs late, and lets it grow back once
 * the loop is on time (additive increase, multiplicative decrease). Everything in the process
 * shares one loop: when background work makes it late, webhooks wait for their 200 behind it.
 * Giving way keeps them fast; the work left waits, durable, in the inbox.
 * @example const governor = createLagGovernor({ max: 256 }); createInboxWorker({ …, maxInFlight: governor.limit })
 */
export function createLagGovernor(options: LagGovernorOptions): LagGovernor {
  const max = Math.max(1, options.max);
  const min = Math.max(1, Math.min(max, options.min ?? Math.ceil(max / 16)));
  const sampleMs = options.sampleMs ?? 20;
  const highLagMs = options.highLagMs ?? 30;
  const lowLagMs = options.lowLagMs ?? 10;
  const now = options.now ?? (() => performance.now());
  const step = Math.max(1, Math.floor(max / 16));
  let current = max;
  let lastLag = 0;
  let lastDecrease = -Infinity;
  let expected = now() + sampleMs;

  const timer = setInterval(() => {
    const at = now();
    lastLag = Math.max(0, at - expected);
    expected = at + sampleMs;
    if (lastLag > highLagMs) {
      // One stall shows in several samples: one halving per stall, not one per sample.
      if (at - lastDecrease >= sampleMs * 10) {
        current = Math.max(min, Math.floor(current / 2));
        lastDecrease = at;
      }
    } else if (lastLag < lowLagMs) {
      current = Math.min(max, current + step);
    }
  }, sampleMs);
  timer.unref();

  return {
    limit: () => current,
    lagMs: () => lastLag,
    stop: () => clearInterval(timer),
  };
}
