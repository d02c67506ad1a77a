import { describe, expect, it } from 'vitest';
import type { CommitUnit, ConversationRecord, OutboxRecord } from '@parley/flow';
import { createKeyedSerialQueue } from '@parley/runtime';
import { createInboxWorker, type EventHandler, type ReplyClaim } from './inboxWorker.js';
import { emptyCommit, sleep, textInboxRow, useLowdbStore } from './inboxWorkerTestKit.js';

const USER = '31690000002';
const CONVERSATION = `1055:${USER}`;
const DEADLINE = Date.now() + 600_000;

function conversation(revision: number): ConversationRecord {
  return {
    id: CONVERSATION,
    phoneNumberId: '1055',
    userId: USER,
    botId: 'bot-1',
    flowId: 'flow-1',
    flowVersion: 1,
    flowHash: 'hash-1',
    status: 'waiting',
    nodeId: 'ask',
    snapshot: { value: 'ask', context: {} },
    vars: {},
    startedAt: 1_000,
    updatedAt: 1_000,
    lastUserMessageAt: 1_000,
    revision,
  };
}

const reply = (id: string): OutboxRecord => ({
  id,
  conversationId: CONVERSATION,
  phoneNumberId: '1055',
  recipient: USER,
  seq: 1,
  message: { type: 'text', text: 'hello' },
  status: 'pending',
  attempts: 0,
  nextAttemptAt: 0,
  deadlineAt: DEADLINE,
  createdAt: 1_000,
  updatedAt: 1_000,
});

describe('inbox worker: replies claimed with their commit', () => {
  const useStore = useLowdbStore('reply-claims');

  /** A worker whose engine answers each row with `unitFor(inboxId)`; offers and settlements recorded. */
  function startWorker(unitFor: (inboxId: string) => CommitUnit) {
    const offers: ReplyClaim[] = [];
    const settled: { offer: ReplyClaim; claimed: readonly OutboxRecord[] }[] = [];
    const committed: (readonly OutboxRecord[])[] = [];
    const engine: EventHandler = {
      handle: async (_event, options) => ({ commit: unitFor(options.inboxId!) }),
    };
    const worker = createInboxWorker({
      store: useStore(),
      engine,
      queue: createKeyedSerialQueue(),
      applyStatuses: async () => undefined,
      owner: 'worker-a',
      clock: { now: () => Date.now() },
      log: { warn: () => undefined, error: () => undefined },
      pollMs: 50,
      maxConflictRetries: 2,
      onCommitted: (_unit, _event, _startedAt, claimed) => committed.push(claimed),
      replyClaims: {
        offer: () => {
          const offer = { owner: 'sender-a', leaseUntil: Date.now() + 30_000 };
          offers.push(offer);
          return offer;
        },
        settle: (offer, claimed) => settled.push({ offer, claimed }),
      },
    });
    worker.start();
    return { worker, offers, settled, committed };
  }

  it('hands the sender the reply its commit claimed, after onCommitted', async () => {
    const store = useStore();
    const { worker, offers, settled, committed } = startWorker((inboxId) => ({
      ...emptyCommit(CONVERSATION, inboxId),
      conversation: conversation(1),
      outbox: [reply('out-1')],
    }));
    await store.appendInbox([textInboxRow('in-1', USER, 'Claims')]);
    worker.wake();
    for (let waited = 0; settled.length === 0 && waited < 5_000; waited += 10) await sleep(10);
    await worker.stop();
    expect(offers).toHaveLength(1);
    expect(settled).toEqual([{ offer: offers[0], claimed: [{ ...reply('out-1'), status: 'sending' }] }]);
    expect(committed).toEqual([settled[0]!.claimed]);
    expect((await store.getOutbox('out-1'))?.status).toBe('sending');
    // Leased to the offer's owner: its outcome is written under that claim.
    expect(await store.updateOutbox('out-1', { status: 'sent', wamid: 'w', claimedBy: 'sender-a' })).toBe(
      true,
    );
    expect(await store.updateOutbox('out-1', { status: 'pending', claimedBy: 'sender-b' })).toBe(false);
  });

  it('takes every offer back, with nothing claimed, when the commit conflicts', async () => {
    const store = useStore();
    // Always stale: expects a conversation that does not exist.
    const { worker, offers, settled, committed } = startWorker((inboxId) => ({
      ...emptyCommit(CONVERSATION, inboxId),
      conversation: conversation(5),
      expectedRevision: 4,
      outbox: [reply('out-2')],
    }));
    await store.appendInbox([textInboxRow('in-2', USER, 'Claims')]);
    await sleep(300);
    await worker.stop();
    expect(offers.length).toBeGreaterThanOrEqual(3); // the first try and two retries at least
    expect(settled.map((entry) => entry.offer)).toEqual(offers);
    expect(settled.every((entry) => entry.claimed.length === 0)).toBe(true);
    expect(committed).toEqual([]);
    expect(await store.getOutbox('out-2')).toBeNull();
  });
});
