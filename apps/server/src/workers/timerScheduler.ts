import { parseConversationKeyId } from '@parley/flow';
import type { InboxRecord } from '@parley/flow';
import type { Store } from '@parley/store';

export interface TimerSchedulerOptions {
  store: Pick<Store, 'claimDueTimers' | 'deleteTimer' | 'nextTimerDueAt' | 'appendInbox'>;
  owner: string;
  clock: { now(): number };
  log: { error(obj: object, msg: string): void };
  /** Called after due timers became inbox events. */
  onFired(): void;
  /** Longest sleep between checks; timers set by other instances are seen within it. */
  maxSleepMs?: number;
  leaseMs?: number;
}

export interface TimerScheduler {
  start(): void;
  stop(): void;
  /**
   * After a commit that set timers: wakes up by `earliestDueAt` (the earliest of them). A wake-up
   * planned no later than that stands, without asking the store again.
   */
  wake(earliestDueAt: number): void;
}

/**
 * Turns due durable timers into inbox events. A timer becomes an inbox row with a stable id
 * (`timer:<id>`) before it is deleted, so a crash in between fires it again into the same
 * deduplicated row: each timer fires exactly once.
 */
export function createTimerScheduler(options: TimerSchedulerOptions): TimerScheduler {
  const { store, owner, clock, log } = options;
  const maxSleepMs = options.maxSleepMs ?? 1_000;
  // Short: a timer fires into a deduplicated inbox row (`timer:<id>`), so a second claim after an
  // instance died is harmless, and a restarted server must not wait long for its own old claims.
  const leaseMs = options.leaseMs ?? 3_000;
  let running = false;
  let busy = false;
  let timer: NodeJS.Timeout | undefined;
  /** When the planned `fireDue` runs (clock time; meaningful while `timer` is set). */
  let plannedAt = Number.POSITIVE_INFINITY;

  function fireAt(at: number): void {
    if (timer) clearTimeout(timer);
    plannedAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        void fireDue();
      },
      Math.max(0, at - clock.now()),
    );
    timer.unref();
  }

  async function fireDue(): Promise<void> {
    if (!running || busy) return;
    busy = true;
    try {
      for (;;) {
        const now = clock.now();
        const due = await store.claimDueTimers(owner, now, now + leaseMs, 256);
        if (due.length === 0) break;
        const records: InboxRecord[] = due.map((t) => ({
          id: `timer:${t.id}`,
          conversationId: t.conversationId,
          receivedAt: now,
          status: 'pending',
          attempts: 0,
          event: {
            type: 'timer.fired',
            key: parseConversationKeyId(t.conversationId),
            timerId: t.id,
            purpose: t.purpose,
            nodeId: t.nodeId,
            dueAt: t.dueAt,
          },
        }));
        await store.appendInbox(records);
        // The events are durable: the inbox worker can run them while the timers are deleted.
        options.onFired();
        await Promise.all(due.map((t) => store.deleteTimer(t.id)));
      }
    } catch (error) {
      log.error({ err: error }, 'firing due timers failed');
    } finally {
      busy = false;
      await plan();
    }
  }

  async function plan(): Promise<void> {
    if (!running) return;
    let at = clock.now() + maxSleepMs;
    try {
      const next = await store.nextTimerDueAt();
      if (next !== null) at = Math.min(at, next);
    } catch (error) {
      log.error({ err: error }, 'reading the next timer failed');
    }
    // A wake-up planned meanwhile for an earlier timer stands: the store may have answered before
    // that timer was committed. Waking early is harmless (nothing due: plan again).
    if (running) fireAt(timer && plannedAt < at ? plannedAt : at);
  }

  return {
    start() {
      running = true;
      void fireDue();
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    wake(earliestDueAt) {
      // A round in progress re-plans from the store when it ends.
      if (running && !busy && !(timer && plannedAt <= earliestDueAt)) fireAt(earliestDueAt);
    },
  };
}
