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
  /** Re-plan the next wake-up (after a commit that set a timer). */
  wake(): void;
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
    if (timer) clearTimeout(timer);
    let sleep = maxSleepMs;
    try {
      const next = await store.nextTimerDueAt();
      if (next !== null) sleep = Math.max(0, Math.min(maxSleepMs, next - clock.now()));
    } catch (error) {
      log.error({ err: error }, 'reading the next timer failed');
    }
    timer = setTimeout(() => void fireDue(), sleep);
    timer.unref();
  }

  return {
    start() {
      running = true;
      void fireDue();
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
    },
    wake() {
      void plan();
    },
  };
}
