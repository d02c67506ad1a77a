import type { OutboxRecord } from '@parley/flow';
import { describe, expect, it } from 'vitest';
import { outboxRow, type MemoryOutbox } from '../testing/createMemoryOutbox.js';
import { acceptedSend } from '../testing/startGraphStandIn.js';
import type { Dispatcher } from './createDispatcher.js';
import { graph, sends, store, textOf, useDispatcherKit } from './dispatcherTestKit.js';

// Real time: these tests run the dispatcher's loop, as the server does.
const { dispatcher } = useDispatcherKit(Date.now);

/** The store's commit with `claimFor`: the row goes in `sending`, leased to the offer's owner. */
function commitClaimed(d: Dispatcher, init: Partial<OutboxRecord> = {}): OutboxRecord {
  const offer = d.offerClaim();
  if (!offer) throw new Error('no offer');
  const row = outboxRow({ nextAttemptAt: 0, deadlineAt: Date.now() + 60_000, ...init, status: 'sending' });
  store.add(row);
  store.leases.set(row.id, { owner: offer.owner, until: offer.leaseUntil });
  d.takeClaimed(offer, [row]);
  return row;
}

/** The store, counting claim rounds and the statuses the dispatcher writes. */
function counted() {
  const counts = { claims: 0, writes: [] as string[] };
  const counting: MemoryOutbox = {
    ...store,
    claimOutbox: (...args) => ((counts.claims += 1), store.claimOutbox(...args)),
    updateOutbox: (id, patch, entries) => (
      counts.writes.push(patch.status ?? patch.deliveryStatus ?? ''),
      store.updateOutbox(id, patch, entries)
    ),
  };
  return { counts, counting };
}

const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createDispatcher: rows claimed with their commit', () => {
  it('sends a row its commit claimed at once, without a claim round or a claim write', async () => {
    const { counts, counting } = counted();
    const d = dispatcher({ store: counting, idleMs: 60_000 });
    expect(d.offerClaim()).toBeUndefined(); // not started: the loop is not there to finish the work
    d.start();
    await settle(20);
    const claimsBefore = counts.claims;
    let claimsAtSend = -1;
    graph.reply = () => ((claimsAtSend = counts.claims), acceptedSend('wamid.claimed'));
    const row = commitClaimed(d);
    await settle();
    expect(store.rows.get(row.id)?.status).toBe('sent');
    expect(textOf(sends()[0])).toBe(row.message.type === 'text' ? row.message.text : '');
    expect(claimsAtSend).toBe(claimsBefore);
    expect(counts.writes).toEqual(['sent']); // the answer only
    await d.stop();
  });

  it('reserves room for each offer until it is taken back, claimed or not', async () => {
    const d = dispatcher({ maxInFlight: 2, idleMs: 60_000 });
    d.start();
    const first = d.offerClaim();
    const second = d.offerClaim();
    expect(first && second).toBeTruthy();
    expect(d.offerClaim()).toBeUndefined();
    d.takeClaimed(first!, []); // the commit claimed nothing (or failed)
    expect(d.offerClaim()).toBeTruthy();
    await d.stop();
  });

  it('holds a row the rate limiter defers, as a claim round would, and sends it in its slot', async () => {
    const { counts, counting } = counted();
    const d = dispatcher({
      store: counting,
      idleMs: 60_000,
      rate: { perNumberPerSecond: 2, burst: 1, pairIntervalMs: 0 },
    });
    d.start();
    await settle(20);
    const rows = [0, 1].map((user) => commitClaimed(d, { conversationId: `1055:${user}` }));
    await settle(50);
    expect(rows.map((row) => store.rows.get(row.id)?.status)).toEqual(['sent', 'sending']);
    await settle(700);
    expect(rows.map((row) => store.rows.get(row.id)?.status)).toEqual(['sent', 'sent']);
    expect(counts.writes.filter((status) => status === 'pending')).toEqual([]);
    await d.stop();
  });

  it('gives a row back, pending, while a message of its conversation is still out', async () => {
    let release: () => void = () => undefined;
    graph.reply = (request) =>
      textOf(request) === 'slow'
        ? new Promise((resolve) => (release = () => resolve(acceptedSend('wamid.slow'))))
        : acceptedSend(`wamid.${graph.requests.length}`);
    const d = dispatcher({ idleMs: 50 });
    d.start();
    const slow = commitClaimed(d, { seq: 1, message: { type: 'text', text: 'slow' } });
    await settle(20);
    // Whatever the store did, two messages of one conversation never go out at once.
    const next = commitClaimed(d, { seq: 2 });
    await settle(50);
    expect(store.rows.get(next.id)?.status).toBe('pending');
    expect(sends()).toHaveLength(1);
    release();
    await settle(200);
    expect([slow, next].map((row) => store.rows.get(row.id)?.status)).toEqual(['sent', 'sent']);
    await d.stop();
  });

  it('gives a row back when it arrives while stopping, and offers nothing more', async () => {
    const d = dispatcher({ idleMs: 60_000 });
    d.start();
    await settle(20); // the first round is over
    const offer = d.offerClaim()!;
    const stopped = d.stop();
    expect(d.offerClaim()).toBeUndefined();
    const row = outboxRow({ nextAttemptAt: 0, deadlineAt: Date.now() + 60_000, status: 'sending' });
    store.add(row);
    store.leases.set(row.id, { owner: offer.owner, until: offer.leaseUntil });
    d.takeClaimed(offer, [row]);
    await stopped;
    expect(store.rows.get(row.id)?.status).toBe('pending');
    expect(sends()).toHaveLength(0);
    d.start(); // started again, it offers again
    expect(d.offerClaim()).toBeDefined();
    await d.stop();
  });
});
