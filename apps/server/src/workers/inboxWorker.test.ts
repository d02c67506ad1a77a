import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '@parley/flow';
import { createKeyedSerialQueue } from '@parley/runtime';
import { createInboxWorker, type EventHandler } from './inboxWorker.js';
import { emptyCommit, sleep, textInboxRow, useLowdbStore } from './inboxWorkerTestKit.js';

const CONVERSATION = '1055:31690000001';
const LEASE_MS = 300;

const inboxRow = (id: string) => textInboxRow(id, '31690000001', 'Lease Test');

/** An engine that consumes each row with an empty unit, holding `slow` rows until released. */
function heldEngine(slow: Set<string>) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const handled: string[] = [];
  let enter!: () => void;
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const engine: EventHandler = {
    async handle(_event: EngineEvent, options: { inboxId?: string }) {
      const id = options.inboxId!;
      if (slow.has(id)) {
        enter();
        await released;
      }
      handled.push(id);
      const commit = emptyCommit(CONVERSATION, id);
      return { commit };
    },
  };
  /** `entered` resolves once the worker is inside a slow row. */
  return { engine, handled, release, entered };
}

describe('inbox worker leases', () => {
  const useStore = useLowdbStore('leases');

  function startWorker(engine: EventHandler, renewEveryMs?: number) {
    const store = useStore();
    const worker = createInboxWorker({
      store,
      engine,
      queue: createKeyedSerialQueue(),
      applyStatus: async () => undefined,
      owner: 'worker-a',
      clock: { now: () => Date.now() },
      log: { warn: () => undefined, error: () => undefined },
      leaseMs: LEASE_MS,
      renewEveryMs,
      pollMs: 50,
    });
    worker.start();
    return worker;
  }

  it('keeps a conversation whose event outlasts several leases, then gives it back when done', async () => {
    const store = useStore();
    const { engine, handled, release, entered } = heldEngine(new Set(['slow-1']));
    await store.appendInbox([inboxRow('slow-1')]);
    const worker = startWorker(engine);
    await entered;
    // Another instance keeps trying for four lease lengths while the event is in hand.
    const end = Date.now() + 4 * LEASE_MS;
    while (Date.now() < end) {
      expect(await store.claimInbox('worker-b', Date.now(), Date.now() + LEASE_MS, 10)).toEqual([]);
      await sleep(40);
    }
    expect(handled).toEqual([]);
    release();
    await worker.idle();
    expect(handled).toEqual(['slow-1']);
    // The next claim round gives the finished conversation back long before its lease would end.
    await sleep(150);
    expect(await store.renewInboxClaims('worker-a', [CONVERSATION], Date.now() + 60_000)).toEqual([]);
    await worker.stop();
  });

  it('does not hand a conversation to another instance between its rows', async () => {
    const store = useStore();
    const { engine, handled, release, entered } = heldEngine(new Set(['r1']));
    await store.appendInbox([inboxRow('r1')]);
    const worker = startWorker(engine);
    await entered;
    // A row arriving while r1 is in hand is this worker's, and runs after r1.
    await store.appendInbox([inboxRow('r2')]);
    await sleep(2 * LEASE_MS);
    expect(await store.claimInbox('worker-b', Date.now(), Date.now() + LEASE_MS, 10)).toEqual([]);
    release();
    await sleep(100);
    await worker.idle();
    expect(handled).toEqual(['r1', 'r2']);
    await worker.stop();
  });

  it('runs a row once even when its lease ran out while it was in hand (a stall)', async () => {
    const store = useStore();
    const { engine, handled, release, entered } = heldEngine(new Set(['stalled']));
    await store.appendInbox([inboxRow('stalled')]);
    // No renewal within the lease: the worker's own polls get the row back after each lease.
    const worker = startWorker(engine, 60_000);
    await entered;
    await sleep(3 * LEASE_MS);
    release();
    await sleep(100);
    await worker.idle();
    expect(handled).toEqual(['stalled']);
    await worker.stop();
  });
});
