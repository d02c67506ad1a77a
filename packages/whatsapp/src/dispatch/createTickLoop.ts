import type { Clock, Logger } from '../ports.js';

/** What a tick tells the loop about when to run again. */
export interface TickOutcome {
  /** True when there is more work right now (a full batch). */
  busy: boolean;
  /** The earliest time deferred work becomes due, if any. */
  nextDueAt: number | null;
}

/** A background loop around a tick function. */
export interface TickLoop {
  start(): void;
  /** Stops after the current tick and waits for it. */
  stop(): Promise<void>;
  /** Runs the next tick now instead of after the sleep (new work arrived). */
  wake(): void;
}

/**
 * Runs `tick` again and again: at once while busy, else after `idleMs` or when deferred work is
 * due, whichever is first, or as soon as `wake()` is called. A failing tick is logged and retried.
 * @example const loop = createTickLoop({ tick, idleMs: 1000, clock: Date.now, log }); loop.start();
 */
export function createTickLoop(options: {
  tick: () => Promise<TickOutcome>;
  idleMs: number;
  /**
   * Least time from one tick's start to the next one's, however often it is woken: work that
   * arrives meanwhile is taken by one claim instead of many (a claim scans what is pending, so
   * on a shared database claims per second cost more than claimed rows). A function is asked
   * before each tick (a gap that follows how many instances share the database). @default 0
   */
  minGapMs?: number | (() => number);
  clock: Clock;
  log: Logger;
}): TickLoop {
  const gapOption = options.minGapMs ?? 0;
  const minGapMs = () => (typeof gapOption === 'function' ? gapOption() : gapOption);
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  // A wake() during a tick must not be lost: the work it announces may be past the claim.
  let wakeRequested = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function run(): Promise<void> {
    let lastStart = -Infinity;
    while (running) {
      // Real time, not `clock` (tests move that one at will); not cut short by wake(): the gap
      // is what lets wake-ups pile up into one tick.
      const gap = lastStart + minGapMs() - performance.now();
      if (gap > 0) await new Promise<void>((resolve) => setTimeout(resolve, gap));
      if (!running) break;
      lastStart = performance.now();
      wakeRequested = false;
      let outcome: TickOutcome | null = null;
      try {
        outcome = await options.tick();
      } catch (error) {
        options.log.error({ err: error }, 'background tick failed; retrying shortly');
      }
      if (!running) break;
      let delay = options.idleMs;
      if (outcome?.busy || wakeRequested) delay = 0;
      else if (outcome?.nextDueAt != null) {
        delay = Math.min(options.idleMs, Math.max(1, outcome.nextDueAt - options.clock()));
      }
      // Even a busy loop yields to the event loop (setImmediate runs after pending I/O), so the
      // webhook keeps answering fast; but more work now never waits on a timer.
      if (delay <= 0) await new Promise<void>((resolve) => setImmediate(resolve));
      else await sleep(delay);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      loop = null;
    },
    wake() {
      wakeRequested = true;
      wakeUp?.();
    },
  };
}
