import { beforeEach, describe, expect, it } from 'vitest';
import { outboxRow, type MemoryOutbox } from '../testing/createMemoryOutbox.js';
import { acceptedSend } from '../testing/startGraphStandIn.js';
import { graph, sends, store, useDispatcherKit } from './dispatcherTestKit.js';

let now: number;
beforeEach(() => {
  now = 1_000_000;
});
const { dispatcher, row } = useDispatcherKit(() => now);

describe('createDispatcher: throughput', () => {
  /** A dispatcher at 10 sends per second (burst 10), recording the status of every outbox write. */
  const tenPerSecond = () => {
    const writes: string[] = [];
    const counting = {
      ...store,
      updateOutbox: (id: string, patch: Parameters<MemoryOutbox['updateOutbox']>[1]) => (
        writes.push(patch.status ?? patch.deliveryStatus ?? ''),
        store.updateOutbox(id, patch)
      ),
    };
    const d = dispatcher({ store: counting, rate: { perNumberPerSecond: 10, burst: 10, pairIntervalMs: 0 } });
    return { writes, d };
  };

  it('keeps rows held by the rate limiter in memory: no write-back, then sent when the slot comes', async () => {
    for (let user = 0; user < 12; user += 1) row({ conversationId: `1055:${user}` });
    const { writes, d } = tenPerSecond();
    const report = await d.tick();
    expect(report).toMatchObject({ claimed: 12, sent: 10, deferred: 2, nextDueAt: now + 1100 });
    expect(writes.filter((w) => w === 'pending')).toEqual([]);
    now += 1100;
    await d.tick();
    expect(sends()).toHaveLength(12);
    expect(writes.filter((w) => w === 'pending')).toEqual([]);
  });

  it('writes a longer backlog back to the store instead of holding it (a crash would strand held rows for the lease)', async () => {
    for (let user = 0; user < 30; user += 1) row({ conversationId: `1055:${user}` });
    const { writes, d } = tenPerSecond();
    const report = await d.tick();
    // 10 now, 10 in the next window (held), 10 two windows away (back to the store, pending).
    expect(report).toMatchObject({ claimed: 30, sent: 10, deferred: 20 });
    expect(writes.filter((w) => w === 'pending')).toHaveLength(10);
    for (let window = 0; window < 4; window += 1) {
      now += 1100;
      await d.tick();
    }
    expect(sends()).toHaveLength(30);
  });

  it('a slow send does not hold back other conversations: the loop claims while it is in flight', async () => {
    const slow = outboxRow({
      conversationId: '1055:slow',
      nextAttemptAt: 0,
      deadlineAt: Date.now() + 60_000,
    });
    store.add(slow);
    let release: () => void = () => undefined;
    graph.reply = (request) =>
      request.json?.to === 'slow'
        ? new Promise((resolve) => (release = () => resolve(acceptedSend('wamid.slow'))))
        : acceptedSend(`wamid.${graph.requests.length}`);
    const d = dispatcher({ clock: Date.now, idleMs: 10_000 });
    d.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fast = outboxRow({
      conversationId: '1055:fast',
      nextAttemptAt: 0,
      deadlineAt: Date.now() + 60_000,
    });
    store.add(fast);
    d.wake();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.rows.get(fast.id)?.status).toBe('sent');
    expect(store.rows.get(slow.id)?.status).toBe('sending');
    release();
    await d.stop();
    expect(store.rows.get(slow.id)?.status).toBe('sent');
  });

  it('stop() hands held rows back to the store at once', async () => {
    for (let user = 0; user < 3; user += 1) row({ conversationId: `1055:${user}` });
    const d = dispatcher({ rate: { perNumberPerSecond: 2, burst: 1, pairIntervalMs: 0 } });
    await d.tick();
    expect([...store.rows.values()].map((r) => r.status).sort()).toEqual(['sending', 'sending', 'sent']);
    await d.stop();
    expect([...store.rows.values()].map((r) => r.status).sort()).toEqual(['pending', 'pending', 'sent']);
  });
});

describe('createDispatcher: loop', () => {
  it('start/stop runs ticks without busy spinning and wakes on demand', async () => {
    let ticks = 0;
    const counting = {
      ...store,
      claimOutbox: async (...args: Parameters<MemoryOutbox['claimOutbox']>) => (
        ticks++,
        store.claimOutbox(...args)
      ),
    };
    const d = dispatcher({ store: counting, idleMs: 50, clock: Date.now });
    d.start();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThanOrEqual(5);
    const sent = outboxRow({ nextAttemptAt: 0, deadlineAt: Date.now() + 60_000 });
    store.add(sent);
    d.wake();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(store.rows.get(sent.id)?.status).toBe('sent');
    await d.stop();
    const after = ticks;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(ticks).toBe(after);
  });
});
