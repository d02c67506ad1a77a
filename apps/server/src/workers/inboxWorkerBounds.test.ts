import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '@parley/flow';
import { createKeyedSerialQueue } from '@parley/runtime';
import { createInboxWorker, type EventHandler, type InboxWorkerOptions } from './inboxWorker.js';
import { emptyCommit, sleep, textInboxRow, useLowdbStore } from './inboxWorkerTestKit.js';

function inboxRow(index: number) {
  const userId = `3169${String(index).padStart(7, '0')}`;
  return textInboxRow(`wamid.bound-${index}`, userId, 'Bound Test');
}

/** An engine whose rows wait until released, counting how many run at once. */
function gatedEngine() {
  let running = 0;
  let peak = 0;
  let handled = 0;
  const gates: Array<() => void> = [];
  const engine: EventHandler = {
    async handle(event: EngineEvent, options: { inboxId?: string }) {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running -= 1;
      handled += 1;
      const commit = emptyCommit(`${event.key.phoneNumberId}:${event.key.userId}`, options.inboxId!);
      return { commit };
    },
  };
  return {
    engine,
    stats: () => ({ running, peak, handled }),
    releaseAll: () => gates.splice(0).forEach((open) => open()),
  };
}

/** A started worker with a real clock, a silent log and no status handling. */
function startWorker(
  options: Pick<InboxWorkerOptions, 'store' | 'engine' | 'owner' | 'pollMs' | 'maxInFlight' | 'claimGapMs'>,
) {
  const worker = createInboxWorker({
    queue: createKeyedSerialQueue(),
    clock: { now: () => Date.now() },
    log: { warn: () => undefined, error: () => undefined },
    applyStatuses: async () => undefined,
    ...options,
  });
  worker.start();
  return worker;
}

describe('inbox worker bounds', () => {
  const useStore = useLowdbStore('bounds');

  it('claims no more rows than maxInFlight under a backlog, and still drains all of it', async () => {
    const store = useStore();
    await store.appendInbox(Array.from({ length: 200 }, (_, i) => inboxRow(i)));
    const { engine, stats, releaseAll } = gatedEngine();
    const worker = startWorker({ store, engine, owner: 'bounded', maxInFlight: 16, pollMs: 50 });
    try {
      await sleep(150);
      // The rest stay pending in the inbox, unclaimed, for this or another instance.
      expect(stats().running).toBe(16);
      const claimedByOthers = await store.claimInbox('other', Date.now(), Date.now() + 10_000, 500);
      expect(claimedByOthers.length).toBe(200 - 16);
      await store.releaseInboxClaims('other');
      for (let round = 0; round < 200 && stats().handled < 200; round += 1) {
        releaseAll();
        await sleep(10);
      }
      expect(stats().handled).toBe(200);
      expect(stats().peak).toBeLessThanOrEqual(16);
    } finally {
      releaseAll();
      await worker.stop();
    }
  });

  /** Ten rows appended 5 ms apart, each with a wake-up: how many claims the worker made for them. */
  async function claimsForTenWakes(
    worker: ReturnType<typeof startWorker>,
    store: ReturnType<typeof useStore>,
    claims: () => number,
    stats: () => { handled: number },
    releaseAll: () => void,
    first: number,
  ): Promise<number> {
    await sleep(20);
    const before = claims();
    const handledBefore = stats().handled;
    for (let i = 0; i < 10; i += 1) {
      await store.appendInbox([inboxRow(first + i)]);
      worker.wake();
      await sleep(5);
    }
    for (let round = 0; round < 100 && stats().handled < handledBefore + 10; round += 1) {
      releaseAll();
      await sleep(20);
    }
    expect(stats().handled).toBe(handledBefore + 10);
    return claims() - before;
  }

  /** The store with its claims counted. */
  function countingClaims(store: ReturnType<typeof useStore>) {
    let claims = 0;
    const counted = new Proxy(store, {
      get(target, property) {
        if (property === 'claimInbox')
          return (...args: Parameters<typeof store.claimInbox>) => {
            claims += 1;
            return target.claimInbox(...args);
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { counted, claims: () => claims };
  }

  it('with claimGapMs, rows woken for inside the gap come in one claim', async () => {
    const store = useStore();
    const { counted, claims } = countingClaims(store);
    const { engine, stats, releaseAll } = gatedEngine();
    const worker = startWorker({ store: counted, engine, owner: 'gapped', claimGapMs: 500, pollMs: 60_000 });
    try {
      // Without the gap each wake-up claims on its own (up to ten claims).
      expect(await claimsForTenWakes(worker, store, claims, stats, releaseAll, 1_000)).toBeLessThanOrEqual(2);
    } finally {
      releaseAll();
      await worker.stop();
    }
  });

  it('a claimGapMs function is asked before each claim (the gap follows the instance count)', async () => {
    const store = useStore();
    const { counted, claims } = countingClaims(store);
    const { engine, stats, releaseAll } = gatedEngine();
    let gapMs = 0;
    const worker = startWorker({
      store: counted,
      engine,
      owner: 'following',
      claimGapMs: () => gapMs,
      pollMs: 60_000,
    });
    try {
      expect(await claimsForTenWakes(worker, store, claims, stats, releaseAll, 2_000)).toBeGreaterThanOrEqual(
        5,
      );
      gapMs = 500;
      await sleep(20);
      expect(await claimsForTenWakes(worker, store, claims, stats, releaseAll, 3_000)).toBeLessThanOrEqual(3);
    } finally {
      releaseAll();
      await worker.stop();
    }
  });
});
