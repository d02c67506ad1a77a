import { describe, expect, it } from 'vitest';
import type { EngineEvent, InboxRecord } from '@parley/flow';
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
      applyStatuses: async () => undefined,
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

describe('inbox worker status rows', () => {
  const useStore = useLowdbStore('statuses');

  const statusRow = (id: string, wamid: string, status: 'sent' | 'delivered' | 'read'): InboxRecord => ({
    id,
    conversationId: CONVERSATION,
    receivedAt: Date.now(),
    status: 'pending',
    attempts: 0,
    event: {
      type: 'message.status',
      key: { phoneNumberId: '1055', userId: '31690000001' },
      wamid,
      status,
      timestamp: Date.now(),
    },
  });

  it('hands consecutive status rows over as one run, in order, between the engine’s events, and marks them done', async () => {
    const store = useStore();
    const steps: string[] = [];
    const engine: EventHandler = {
      async handle(_event, options) {
        steps.push(`engine ${options.inboxId}`);
        return { commit: emptyCommit(CONVERSATION, options.inboxId!) };
      },
    };
    await store.appendInbox([
      statusRow('s1', 'wamid.A', 'sent'),
      statusRow('s2', 'wamid.A', 'delivered'),
      inboxRow('m1'),
      statusRow('s3', 'wamid.A', 'read'),
      statusRow('s4', 'wamid.B', 'sent'),
    ]);
    const worker = createInboxWorker({
      store,
      engine,
      queue: createKeyedSerialQueue(),
      applyStatuses: async (events) => {
        steps.push(`statuses ${events.map((event) => `${event.wamid}:${event.status}`).join(' ')}`);
      },
      owner: 'worker-a',
      clock: { now: () => Date.now() },
      log: { warn: () => undefined, error: () => undefined },
      pollMs: 50,
    });
    worker.start();
    await sleep(100);
    await worker.idle();
    await worker.stop();
    expect(steps).toEqual([
      'statuses wamid.A:sent wamid.A:delivered',
      'engine m1',
      'statuses wamid.A:read wamid.B:sent',
    ]);
    expect(await store.claimInbox('worker-b', Date.now(), Date.now() + LEASE_MS, 10)).toEqual([]);
  });
});
