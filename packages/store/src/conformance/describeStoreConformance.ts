import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCipher, type Cipher } from '../crypto/createCipher.js';
import type { Store } from '../Store.js';
import type { StoreClock } from '../types.js';
import {
  conversationId,
  makeContact,
  makeConversation,
  makeInbox,
  makeOutbox,
  makeTimer,
  makeTranscript,
  makeUnit,
} from './fixtures.js';
import { describeConformanceMore } from './describeConformanceMore.js';
import { describeConformanceOutbox } from './describeConformanceOutbox.js';

/** What the suite needs to open, reopen and inspect one store's storage. */
export interface StoreHarness {
  /** Opens (and initializes) a store over this harness's storage; call again after close() to restart. */
  open(options?: { cipher?: Cipher; contentEncryption?: boolean; clock?: StoreClock }): Promise<Store>;
  /** Every persisted byte as text (data files or table rows), to grep for what must not be there. */
  dump(): Promise<string>;
  /** Removes the storage (temp dir, schema). */
  destroy(): Promise<void>;
}

/** Shared state of one conformance test. */
export interface ConformanceContext {
  harness: StoreHarness;
  store: Store;
}

/** A fresh AES key ring for encryption tests. */
export function testCipher(id = 'k1', key: Buffer = randomBytes(32)): Cipher {
  return createCipher({ keys: [{ id, key }], activeKeyId: id });
}

/**
 * The one behaviour suite both stores pass. `makeHarness` returns fresh, empty storage per test.
 * @example describeStoreConformance('lowdb', async () => lowdbHarness());
 */
export function describeStoreConformance(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${name}`, () => {
    const ctx = {} as ConformanceContext;
    beforeEach(async () => {
      ctx.harness = await makeHarness();
      ctx.store = await ctx.harness.open();
    });
    afterEach(async () => {
      await ctx.store.close();
      await ctx.harness.destroy();
    });

    it('answers ping once initialized', async () => {
      expect(await ctx.store.ping()).toBe(true);
    });

    describe('commit unit', () => {
      it('creates a conversation with its outbox, transcript, timers and contact in one unit', async () => {
        const conversation = makeConversation('316001');
        const result = await ctx.store.commit(
          makeUnit(conversation, {
            contact: makeContact('316001'),
            outbox: [makeOutbox('316001', 'o1', 1, 'Hello there')],
            transcript: [makeTranscript('316001', 't1', 1_000, 'hi')],
            timersSet: [makeTimer('316001', 'tm1', 5_000)],
          }),
        );
        expect(result).toEqual({ ok: true });
        expect(await ctx.store.getConversation(conversation.id)).toEqual(conversation);
        expect(await ctx.store.getContact(conversation.id)).toEqual(makeContact('316001'));
        expect((await ctx.store.listOutbox(conversation.id)).map((row) => row.id)).toEqual(['o1']);
        expect((await ctx.store.listTranscript(conversation.id)).map((entry) => entry.id)).toEqual(['t1']);
        expect(await ctx.store.nextTimerDueAt()).toBe(5_000);
        expect(await ctx.store.countConversations()).toBe(1);
      });

      it('refuses a stale revision and writes nothing of that unit', async () => {
        const first = makeConversation('316002');
        await ctx.store.commit(makeUnit(first));
        await ctx.store.appendInbox([makeInbox('316002', 'wamid.in1', 'hello')]);
        const second = makeConversation('316002', { revision: 2, status: 'ended' });
        expect(await ctx.store.commit(makeUnit(second))).toEqual({ ok: true });
        const stale = makeConversation('316002', { revision: 2, nodeId: 'other' });
        const result = await ctx.store.commit(
          makeUnit(stale, {
            expectedRevision: 1,
            outbox: [makeOutbox('316002', 'o-stale', 1, 'never')],
            transcript: [makeTranscript('316002', 't-stale', 2_000, 'never')],
            timersSet: [makeTimer('316002', 'tm-stale', 2_000)],
            inboxDone: ['wamid.in1'],
          }),
        );
        expect(result).toEqual({ ok: false, reason: 'conflict' });
        expect(await ctx.store.getConversation(second.id)).toEqual(second);
        expect(await ctx.store.listOutbox(second.id)).toEqual([]);
        expect(await ctx.store.listTranscript(second.id)).toEqual([]);
        expect(await ctx.store.nextTimerDueAt()).toBeNull();
        expect((await ctx.store.claimInbox('w1', 1_000, 2_000, 10)).map((row) => row.id)).toEqual([
          'wamid.in1',
        ]);
      });

      it('refuses to create a conversation that already exists', async () => {
        const conversation = makeConversation('316003');
        expect(await ctx.store.commit(makeUnit(conversation))).toEqual({ ok: true });
        expect(await ctx.store.commit(makeUnit(makeConversation('316003', { nodeId: 'x' })))).toEqual({
          ok: false,
          reason: 'conflict',
        });
        expect((await ctx.store.getConversation(conversation.id))?.nodeId).toBe('ask-name');
      });

      it('refuses to move on a conversation that does not exist', async () => {
        const result = await ctx.store.commit(makeUnit(makeConversation('316004', { revision: 5 })));
        expect(result).toEqual({ ok: false, reason: 'conflict' });
        expect(await ctx.store.getConversation(conversationId('316004'))).toBeNull();
      });

      it('deletes the conversation when the unit carries null', async () => {
        const conversation = makeConversation('316005');
        await ctx.store.commit(makeUnit(conversation));
        const result = await ctx.store.commit({
          ...makeUnit(conversation),
          conversation: null,
          expectedRevision: 1,
        });
        expect(result).toEqual({ ok: true });
        expect(await ctx.store.getConversation(conversation.id)).toBeNull();
        expect(await ctx.store.countConversations()).toBe(0);
      });

      it('serializes concurrent commits on one conversation: exactly one wins each revision', async () => {
        await ctx.store.commit(makeUnit(makeConversation('316006')));
        const attempts = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            ctx.store.commit(
              makeUnit(makeConversation('316006', { revision: 2, nodeId: `n${i}` }), { expectedRevision: 1 }),
            ),
          ),
        );
        expect(attempts.filter((result) => result.ok)).toHaveLength(1);
        expect((await ctx.store.getConversation(conversationId('316006')))?.revision).toBe(2);
      });
    });

    describe('inbox', () => {
      it('deduplicates by id, within a batch and across calls, and after the row is done', async () => {
        expect(
          await ctx.store.appendInbox([
            makeInbox('31601', 'w1', 'a'),
            makeInbox('31601', 'w1', 'a'),
            makeInbox('31601', 'w2', 'b'),
          ]),
        ).toEqual(['w1', 'w2']);
        expect(
          await ctx.store.appendInbox([makeInbox('31601', 'w2', 'b'), makeInbox('31601', 'w3', 'c')]),
        ).toEqual(['w3']);
        await ctx.store.commit(makeUnit(makeConversation('31601'), { inboxDone: ['w1'] }));
        await ctx.store.markInboxDone(['w2']);
        expect(
          await ctx.store.appendInbox([makeInbox('31601', 'w1', 'a'), makeInbox('31601', 'w2', 'b')]),
        ).toEqual([]);
        expect((await ctx.store.claimInbox('o', 1_000, 2_000, 10)).map((row) => row.id)).toEqual(['w3']);
      });

      it('claims oldest conversations first, rows in arrival order, and never the same row twice while leased', async () => {
        await ctx.store.appendInbox([makeInbox('b', 'b1', 'x', 1_000)]);
        await ctx.store.appendInbox([
          makeInbox('a', 'a1', 'x', 1_001),
          makeInbox('b', 'b2', 'x', 1_002),
          makeInbox('a', 'a2', 'x', 1_003),
        ]);
        const claimed = await ctx.store.claimInbox('w1', 5_000, 6_000, 10);
        expect(claimed.map((row) => row.id)).toEqual(['b1', 'b2', 'a1', 'a2']);
        expect(claimed[0]?.event.type).toBe('user.message');
        expect(await ctx.store.claimInbox('w1', 5_000, 6_000, 10)).toEqual([]);
        expect(await ctx.store.claimInbox('w2', 5_000, 6_000, 10)).toEqual([]);
      });

      it('keeps a conversation with one owner while its lease lives, and hands it over when it expires', async () => {
        await ctx.store.appendInbox([makeInbox('c', 'c1', 'x')]);
        expect((await ctx.store.claimInbox('w1', 1_000, 2_000, 10)).map((row) => row.id)).toEqual(['c1']);
        await ctx.store.appendInbox([makeInbox('c', 'c2', 'x', 1_500)]);
        expect(await ctx.store.claimInbox('w2', 1_500, 3_000, 10)).toEqual([]);
        expect((await ctx.store.claimInbox('w1', 1_500, 3_000, 10)).map((row) => row.id)).toEqual(['c2']);
        const recovered = await ctx.store.claimInbox('w2', 3_001, 4_000, 10);
        expect(recovered.map((row) => row.id)).toEqual(['c1', 'c2']);
        expect(recovered[0]!.attempts).toBeGreaterThanOrEqual(2);
      });

      it('honours the limit and releases an owner’s claims on shutdown', async () => {
        await ctx.store.appendInbox([
          makeInbox('d', 'd1', 'x'),
          makeInbox('d', 'd2', 'x'),
          makeInbox('e', 'e1', 'x'),
        ]);
        expect((await ctx.store.claimInbox('w1', 1_000, 9_000, 1)).map((row) => row.id)).toEqual(['d1']);
        await ctx.store.releaseInboxClaims('w1');
        expect((await ctx.store.claimInbox('w2', 1_000, 9_000, 10)).map((row) => row.id)).toEqual([
          'd1',
          'd2',
          'e1',
        ]);
      });

      it('renews only the owner’s leases, so a conversation in hand outlives its first lease', async () => {
        await ctx.store.appendInbox([makeInbox('g', 'g1', 'x'), makeInbox('h', 'h1', 'x')]);
        expect((await ctx.store.claimInbox('w1', 1_000, 2_000, 10)).map((row) => row.id)).toEqual([
          'g1',
          'h1',
        ]);
        const [gId, hId] = [conversationId('g'), conversationId('h')];
        expect(await ctx.store.renewInboxClaims('w1', [gId], 5_000)).toEqual([gId]);
        // h was not renewed: another owner takes it (row included) once its lease ran out.
        expect((await ctx.store.claimInbox('w2', 2_000, 3_000, 10)).map((row) => row.id)).toEqual(['h1']);
        await ctx.store.markInboxDone(['h1']);
        // The renewed row stays claimed, even against its owner's next claim round.
        expect(await ctx.store.claimInbox('w1', 3_000, 4_000, 10)).toEqual([]);
        // w1 no longer holds h, so renewing it changes nothing and says so.
        expect(await ctx.store.renewInboxClaims('w1', [gId, hId], 6_000)).toEqual([gId]);
        await ctx.store.appendInbox([makeInbox('g', 'g2', 'x', 1_100)]);
        expect(await ctx.store.claimInbox('w2', 5_500, 9_000, 10)).toEqual([]);
        expect(await ctx.store.renewInboxClaims('w1', [], 9_000)).toEqual([]);
        // Past the renewed lease, w1's claims are free again, in order.
        expect((await ctx.store.claimInbox('w2', 6_000, 9_000, 10)).map((row) => row.id)).toEqual([
          'g1',
          'g2',
        ]);
      });

      it('releases the owner’s leases on chosen conversations only', async () => {
        await ctx.store.appendInbox([
          makeInbox('k', 'k1', 'x'),
          makeInbox('m', 'm1', 'x'),
          makeInbox('n', 'n1', 'x'),
        ]);
        expect(await ctx.store.claimInbox('w1', 1_000, 9_000, 10)).toHaveLength(3);
        expect(await ctx.store.claimInbox('w2', 1_000, 9_000, 10)).toEqual([]);
        await ctx.store.releaseInboxClaims('w2', [conversationId('k')]);
        await ctx.store.releaseInboxClaims('w1', []);
        expect(await ctx.store.claimInbox('w2', 1_000, 9_000, 10)).toEqual([]);
        await ctx.store.releaseInboxClaims('w1', [conversationId('k'), conversationId('m')]);
        expect((await ctx.store.claimInbox('w2', 1_000, 9_000, 10)).map((row) => row.id)).toEqual([
          'k1',
          'm1',
        ]);
        // The conversation lease went too: w2 now holds k, so w1 gets neither its old row nor a new one.
        await ctx.store.appendInbox([makeInbox('k', 'k2', 'x', 1_100)]);
        expect(await ctx.store.claimInbox('w1', 1_000, 9_000, 10)).toEqual([]);
      });

      it('returns done rows to nobody', async () => {
        await ctx.store.appendInbox([makeInbox('f', 'f1', 'x')]);
        await ctx.store.markInboxDone(['f1', 'unknown']);
        expect(await ctx.store.claimInbox('w1', 1_000, 2_000, 10)).toEqual([]);
      });
    });

    describe('timers', () => {
      it('fires each due timer once per lease, and again only if it was not deleted', async () => {
        await ctx.store.commit(
          makeUnit(makeConversation('t'), {
            timersSet: [makeTimer('t', 'tm1', 2_000), makeTimer('t', 'tm2', 9_000)],
          }),
        );
        expect(await ctx.store.nextTimerDueAt()).toBe(2_000);
        expect(await ctx.store.claimDueTimers('s1', 1_999, 3_000, 10)).toEqual([]);
        expect((await ctx.store.claimDueTimers('s1', 2_000, 3_000, 10)).map((timer) => timer.id)).toEqual([
          'tm1',
        ]);
        expect(await ctx.store.claimDueTimers('s2', 2_500, 4_000, 10)).toEqual([]);
        expect((await ctx.store.claimDueTimers('s2', 3_000, 4_000, 10)).map((timer) => timer.id)).toEqual([
          'tm1',
        ]);
        await ctx.store.deleteTimer('tm1');
        expect(await ctx.store.claimDueTimers('s2', 5_000, 6_000, 10)).toEqual([]);
        expect(await ctx.store.nextTimerDueAt()).toBe(9_000);
      });

      it('cancels timers in a commit unit and claims in due order within the limit', async () => {
        await ctx.store.commit(
          makeUnit(makeConversation('u'), {
            timersSet: [
              makeTimer('u', 'late', 3_000),
              makeTimer('u', 'early', 1_500),
              makeTimer('u', 'gone', 1_000),
            ],
          }),
        );
        await ctx.store.commit(
          makeUnit(makeConversation('u', { revision: 2 }), { timersCancelled: ['gone'] }),
        );
        expect((await ctx.store.claimDueTimers('s', 5_000, 6_000, 1)).map((timer) => timer.id)).toEqual([
          'early',
        ]);
        expect((await ctx.store.claimDueTimers('s', 5_000, 6_000, 5)).map((timer) => timer.id)).toEqual([
          'late',
        ]);
        await ctx.store.deleteTimer('does-not-exist');
      });
    });

    describeConformanceOutbox(ctx);
    describeConformanceMore(ctx);
  });
}
