import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommitUnit, InboxRecord } from '@parley/flow';
import { createKeyedSerialQueue } from '@parley/runtime';
import { createLowdbStore, type Store } from '@parley/store';
import { createInboxWorker, type EventHandler } from './inboxWorker.js';

const CONVERSATION = '1055:31690000002';
const LEASE_MS = 300;

function inboxRow(id: string): InboxRecord {
  return {
    id,
    conversationId: CONVERSATION,
    receivedAt: Date.now(),
    status: 'pending',
    attempts: 0,
    event: {
      type: 'user.message',
      key: { phoneNumberId: '1055', userId: '31690000002' },
      contact: { waId: '31690000002', name: 'Order Test' },
      message: { type: 'text', id, timestamp: Date.now(), text: 'hi' },
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('inbox worker order after a failed row', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parley-order-'));
    store = createLowdbStore({ dataDir: dir, contentEncryption: false, fsync: false });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the conversation’s later rows only after the failed one succeeded', async () => {
    const committed: string[] = [];
    let failures = 1;
    const engine: EventHandler = {
      handle: async (_event, options) => {
        const id = options.inboxId!;
        const commit: CommitUnit = {
          conversationId: CONVERSATION,
          conversation: null,
          expectedRevision: null,
          outbox: [],
          transcript: [],
          timersSet: [],
          timersCancelled: [],
          inboxDone: [id],
        };
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
      applyStatus: async () => undefined,
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
