import type { InboxRecord, TimerRecord } from '@parley/flow';
import { afterEach, describe, expect, it } from 'vitest';
import { createTimerScheduler, type TimerScheduler } from './timerScheduler.js';

/** A store of timers in memory, counting how often the scheduler asks for the next due time. */
function timerStore() {
  const timers = new Map<string, TimerRecord>();
  const inbox: InboxRecord[] = [];
  const store = {
    nextDueQueries: 0,
    async claimDueTimers(_owner: string, now: number) {
      return [...timers.values()].filter((t) => t.dueAt <= now);
    },
    async deleteTimer(id: string) {
      timers.delete(id);
    },
    async nextTimerDueAt() {
      store.nextDueQueries += 1;
      const due = [...timers.values()].map((t) => t.dueAt);
      return due.length ? Math.min(...due) : null;
    },
    async appendInbox(records: InboxRecord[]) {
      inbox.push(...records);
      return records.map((r) => r.id);
    },
  };
  const add = (id: string, dueAt: number) =>
    timers.set(id, {
      id,
      conversationId: '100:31600000001',
      dueAt,
      purpose: 'delay',
      nodeId: 'wait',
    } as TimerRecord);
  return { store, inbox, add };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('timer scheduler', () => {
  let scheduler: TimerScheduler | undefined;
  afterEach(() => scheduler?.stop());

  it('fires a timer set after start at its time, and asks the store only when a wake-up is due earlier', async () => {
    const { store, inbox, add } = timerStore();
    scheduler = createTimerScheduler({
      store,
      owner: 'test',
      clock: { now: () => Date.now() },
      log: { error: () => undefined },
      onFired: () => undefined,
      maxSleepMs: 10_000,
    });
    scheduler.start();
    await sleep(20);
    const queries = store.nextDueQueries;
    // Committed timers: the earliest wakes the scheduler at its time, later ones change nothing.
    add('soon', Date.now() + 100);
    scheduler.wake(Date.now() + 100);
    for (let i = 0; i < 20; i += 1) {
      add(`later-${i}`, Date.now() + 5_000);
      scheduler.wake(Date.now() + 5_000);
    }
    expect(store.nextDueQueries).toBe(queries);
    await sleep(400);
    expect(inbox.map((r) => r.id)).toEqual(['timer:soon']);
  });
});
