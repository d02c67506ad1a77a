import { describe, expect, it } from 'vitest';
import { createKeyedSerialQueue } from '@parley/runtime';
import type { Store } from '@parley/store';
import { createInboxWorker, type EventHandler } from './inboxWorker.js';
import { emptyCommit, sleep, textInboxRow, useLowdbStore } from './inboxWorkerTestKit.js';

const CONVERSATION = '1055:31690000002';
const LEASE_MS = 300;

const inboxRow = (id: string) => textInboxRow(id, '31690000002', 'Order Test');

describe('inbox worker order after a failed row', () => {
  const useStore = useLowdbStore('order');

  it('runs the conversation’s later rows only after the failed one succeeded', async () => {
    const store = useStore();
    const committed: string[] = [];
    let failures = 1;
    const engine: EventHandler = {
      handle: async (_event, options) => {
        const id = options.inboxId!;
        const commit = emptyCommit(CONVERSATION, id);
        return { commit };
      },
    };
    let failed!: () => void;
    const firstFailure = new Promise<void>((resolve) => (failed = resolve));
    // The store answers like a database that is briefly unreachable: r1's first commit throws.
    const commit: Store['commit'] = async (unit) => {
      const id = unit.inboxDone[0]!;
      if (id === 'r1' && failures > 0) {
        failures -= 1;
        failed();
        throw new Error('connection terminated');
      }
      const result = await store.commit(unit);
      if (result.ok) committed.push(id);
      return result;
    };
    const flaky = new Proxy(store, {
      get: (target, key) =>
        key === 'commit' ? commit : (Reflect.get(target, key) as (...args: never[]) => unknown).bind(target),
    });
    const worker = createInboxWorker({
      store: flaky,
      engine,
      queue: createKeyedSerialQueue(),
      applyStatuses: async () => undefined,
      owner: 'worker-a',
      clock: { now: () => Date.now() },
      log: { warn: () => undefined, error: () => undefined },
      leaseMs: LEASE_MS,
      pollMs: 20,
    });
    await store.appendInbox([inboxRow('r1')]);
    worker.start();
    await firstFailure;
    // The user's next message arrives while r1 waits for its retry.
    await store.appendInbox([inboxRow('r2')]);
    worker.wake();
    await sleep(4 * LEASE_MS);
    await worker.idle();
    expect(committed).toEqual(['r1', 'r2']);
    await worker.stop();
  });
});
