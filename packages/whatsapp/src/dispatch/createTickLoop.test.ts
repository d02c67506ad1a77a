import { describe, expect, it } from 'vitest';
import { silentLogger } from '../ports.js';
import { createKeyedLock } from './createKeyedLock.js';
import { createTickLoop } from './createTickLoop.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createTickLoop', () => {
  it('sleeps idleMs between idle ticks, survives a failing tick, stops cleanly', async () => {
    let ticks = 0;
    const loop = createTickLoop({
      tick: async () => {
        ticks += 1;
        if (ticks === 2) throw new Error('boom');
        return { busy: false, nextDueAt: null };
      },
      idleMs: 40,
      clock: Date.now,
      log: silentLogger,
    });
    loop.start();
    await wait(130);
    await loop.stop();
    expect(ticks).toBeGreaterThanOrEqual(3);
    expect(ticks).toBeLessThanOrEqual(5);
    const after = ticks;
    await wait(60);
    expect(ticks).toBe(after);
  });

  it('with minGapMs, wake-ups inside the gap are served by one tick after it', async () => {
    const starts: number[] = [];
    const loop = createTickLoop({
      tick: async () => {
        starts.push(Date.now());
        return { busy: false, nextDueAt: null };
      },
      idleMs: 10_000,
      minGapMs: 300,
      clock: Date.now,
      log: silentLogger,
    });
    loop.start();
    await wait(20);
    for (let i = 0; i < 10; i += 1) {
      loop.wake();
      await wait(5);
    }
    await wait(450);
    await loop.stop();
    // The first tick at start, one for all ten wake-ups (without the gap: up to ten more).
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(295);
  });

  it('a minGapMs function is asked before each tick', async () => {
    const starts: number[] = [];
    let gapMs = 0;
    const loop = createTickLoop({
      tick: async () => {
        starts.push(Date.now());
        return { busy: false, nextDueAt: null };
      },
      idleMs: 10_000,
      minGapMs: () => gapMs,
      clock: Date.now,
      log: silentLogger,
    });
    loop.start();
    await wait(20);
    for (let i = 0; i < 5; i += 1) {
      loop.wake();
      await wait(10);
    }
    // No gap: a tick per wake-up.
    expect(starts.length).toBeGreaterThanOrEqual(4);
    gapMs = 300;
    const before = starts.length;
    for (let i = 0; i < 10; i += 1) {
      loop.wake();
      await wait(5);
    }
    await wait(450);
    await loop.stop();
    // One tick for the ten wake-ups, once the gap has passed.
    expect(starts.length - before).toBe(1);
  });

  it('a wake() that arrives during a tick is not lost', async () => {
    let ticks = 0;
    const ref: { loop?: ReturnType<typeof createTickLoop> } = {};
    const loop = createTickLoop({
      tick: async () => {
        ticks += 1;
        if (ticks === 1) ref.loop?.wake();
        return { busy: false, nextDueAt: null };
      },
      idleMs: 10_000,
      clock: Date.now,
      log: silentLogger,
    });
    ref.loop = loop;
    loop.start();
    await wait(50);
    await loop.stop();
    expect(ticks).toBe(2);
  });

  it('runs again at once while busy, and when deferred work is due', async () => {
    let ticks = 0;
    const loop = createTickLoop({
      tick: async () => {
        ticks += 1;
        return ticks < 5 ? { busy: true, nextDueAt: null } : { busy: false, nextDueAt: Date.now() + 5 };
      },
      idleMs: 10_000,
      clock: Date.now,
      log: silentLogger,
    });
    loop.start();
    await wait(100);
    await loop.stop();
    expect(ticks).toBeGreaterThan(6);
  });
});

describe('createKeyedLock', () => {
  it('serialises one key and runs different keys in parallel, even after a failure', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const job = (key: string, name: string, ms: number, fail = false) =>
      lock(key, async () => {
        log.push(`start ${name}`);
        await wait(ms);
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([
      job('a', 'a1', 30, true),
      job('a', 'a2', 1),
      job('b', 'b1', 5),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });
});
