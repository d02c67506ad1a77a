import { beforeEach, describe, expect, it } from 'vitest';
import type { MemoryOutbox } from '../testing/createMemoryOutbox.js';
import { acceptedSend, graphErrorReply } from '../testing/startGraphStandIn.js';
import { graph, sends, store, useDispatcherKit } from './dispatcherTestKit.js';

let now: number;
beforeEach(() => {
  now = 1_000_000;
});
const { dispatcher, row } = useDispatcherKit(() => now);

describe('createDispatcher: rate limits with a fake clock', () => {
  it('paces one recipient: a burst, then pairIntervalMs apart; other users unaffected', async () => {
    for (let seq = 0; seq < 4; seq += 1) row({ conversationId: '1055:dana', seq });
    row({ conversationId: '1055:tom' });
    const d = dispatcher({ rate: { pairIntervalMs: 6000, pairBurst: 2 } });
    const sentAt: Record<string, number[]> = { dana: [], tom: [] };
    graph.reply = (request) => {
      const to = String(request.json?.to);
      sentAt[to.includes('dana') ? 'dana' : 'tom']?.push(now);
      return acceptedSend(`wamid.${graph.requests.length}`);
    };
    const start = now;
    for (let step = 0; step < 40; step += 1) {
      await d.tick();
      now += 500;
    }
    expect(sentAt.tom).toEqual([start]);
    expect(sentAt.dana?.map((t) => t - start)).toEqual([0, 500, 6000, 12000]);
  });

  it('caps a number at perNumberPerSecond in any window of 1 s plus the margin', async () => {
    for (let user = 0; user < 30; user += 1) row({ conversationId: `1055:${user}` });
    const d = dispatcher({ rate: { perNumberPerSecond: 10, burst: 10, pairIntervalMs: 0 } });
    await d.tick();
    expect(sends()).toHaveLength(10);
    now += 500;
    await d.tick();
    expect(sends()).toHaveLength(10);
    // One second later is not enough: the window is 1,100 ms (default windowMarginMs of 100).
    now += 500;
    await d.tick();
    expect(sends()).toHaveLength(10);
    now += 100;
    await d.tick();
    expect(sends()).toHaveLength(20);
  });

  it('stamps a rate-limit slot when the send goes, not when a slow round began', async () => {
    for (let user = 0; user < 30; user += 1) row({ conversationId: `1055:${user}` });
    let claimDelayMs = 500;
    const slowClaims = {
      ...store,
      claimOutbox: async (...args: Parameters<MemoryOutbox['claimOutbox']>) => {
        now += claimDelayMs; // the claim took this long: the round's start time is stale now
        return store.claimOutbox(...args);
      },
    };
    const d = dispatcher({
      store: slowClaims,
      rate: { perNumberPerSecond: 10, burst: 10, pairIntervalMs: 0 },
    });
    const start = now;
    await d.tick();
    expect(sends()).toHaveLength(10); // at start + 500
    claimDelayMs = 0;
    now = start + 1150; // 1,100 ms after the round began, but only 650 ms after the sends
    await d.tick();
    expect(sends()).toHaveLength(10);
    now = start + 1600;
    await d.tick();
    expect(sends()).toHaveLength(20);
  });

  it('131056 backs off that pair only; 130429 pauses the whole number', async () => {
    const dana = row({ conversationId: '1055:dana' });
    row({ conversationId: '1055:tom' });
    graph.reply = (request) =>
      request.json?.to === 'dana'
        ? graphErrorReply(400, 131056)
        : acceptedSend(`wamid.${graph.requests.length}`);
    const d = dispatcher();
    await d.tick();
    expect(store.rows.get(dana.id)).toMatchObject({ status: 'pending', lastError: { code: 131056 } });
    row({ conversationId: '1055:ana' });
    now += 1;
    await d.tick();
    expect(
      sends()
        .map((r) => r.json?.to)
        .sort(),
    ).toEqual(['ana', 'dana', 'tom']);

    graph.reply = () => graphErrorReply(429, 130429);
    row({ conversationId: '1055:eve' });
    await d.tick();
    const before = sends().length;
    graph.reply = () => acceptedSend('wamid.later');
    row({ conversationId: '1055:zoe' });
    now += 10;
    const report = await d.tick();
    expect(report.deferred).toBeGreaterThanOrEqual(1);
    expect(sends()).toHaveLength(before);
    now += 60_000;
    await d.tick();
    expect(sends().map((r) => r.json?.to)).toContain('zoe');
  });
});
