import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './describeStoreConformance.js';
import { makeConversation, makeOutbox, makeTranscript, makeUnit } from './fixtures.js';

/** The conformance suite's outbox part: claims, updates, wamids, recovery. */
export function describeConformanceOutbox(ctx: ConformanceContext): void {
  describe('outbox', () => {
    it('sends per conversation in seq order, one row at a time', async () => {
      await ctx.store.commit(
        makeUnit(makeConversation('a'), {
          outbox: [makeOutbox('a', 'a1', 1, 'one'), makeOutbox('a', 'a2', 2, 'two')],
        }),
      );
      await ctx.store.commit(makeUnit(makeConversation('b'), { outbox: [makeOutbox('b', 'b1', 1, 'one')] }));
      const first = await ctx.store.claimOutbox('d1', 2_000, 3_000, 10);
      expect(first.map((row) => row.id).sort()).toEqual(['a1', 'b1']);
      expect(first.every((row) => row.status === 'sending')).toBe(true);
      expect(await ctx.store.claimOutbox('d1', 2_000, 3_000, 10)).toEqual([]);
      const sent = await ctx.store.updateOutbox('a1', {
        status: 'sent',
        wamid: 'wamid.out.a1',
        attempts: 1,
      });
      expect(sent).toBe(true);
      expect(await ctx.store.getOutbox('a1')).toMatchObject({
        id: 'a1',
        status: 'sent',
        wamid: 'wamid.out.a1',
        attempts: 1,
      });
      expect((await ctx.store.claimOutbox('d1', 2_000, 3_000, 10)).map((row) => row.id)).toEqual(['a2']);
      expect((await ctx.store.findOutboxByWamid('wamid.out.a1'))?.id).toBe('a1');
      expect(await ctx.store.findOutboxByWamid('wamid.none')).toBeNull();
    });

    it('waits for nextAttemptAt and keeps later rows behind a retrying one', async () => {
      await ctx.store.commit(
        makeUnit(makeConversation('r'), {
          outbox: [makeOutbox('r', 'r1', 1, 'one'), makeOutbox('r', 'r2', 2, 'two')],
        }),
      );
      await ctx.store.claimOutbox('d1', 1_000, 2_000, 10);
      await ctx.store.updateOutbox('r1', {
        status: 'pending',
        attempts: 1,
        nextAttemptAt: 5_000,
        lastError: { code: 130429 },
      });
      expect(await ctx.store.claimOutbox('d1', 4_999, 6_000, 10)).toEqual([]);
      const retried = await ctx.store.claimOutbox('d1', 5_000, 6_000, 10);
      expect(retried.map((row) => [row.id, row.attempts])).toEqual([['r1', 1]]);
      expect(retried[0]?.lastError?.code).toBe(130429);
    });

    it('claims a commit’s first due row for the sender when asked, and only then', async () => {
      const claimFor = { owner: 'd1', leaseUntil: 3_000 };
      const rows = [makeOutbox('c', 'c1', 1, 'one'), makeOutbox('c', 'c2', 2, 'two')];
      const first = await ctx.store.commit(makeUnit(makeConversation('c'), { outbox: rows }), { claimFor });
      expect(first).toEqual({ ok: true, claimed: [{ ...rows[0], status: 'sending' }] });
      expect(await ctx.store.getOutbox('c1')).toEqual({ ...rows[0], status: 'sending' });
      // No claim round hands it out again, nor the row behind it; a later commit claims nothing.
      expect(await ctx.store.claimOutbox('d2', 2_000, 3_000, 10)).toEqual([]);
      const third = makeOutbox('c', 'c3', 3, 'three');
      const c2 = makeConversation('c', { revision: 2 });
      expect(await ctx.store.commit(makeUnit(c2, { outbox: [third] }), { claimFor })).toEqual({ ok: true });
      // The claim fences outcomes like a claim round's.
      expect(await ctx.store.updateOutbox('c1', { status: 'pending', claimedBy: 'd2' })).toBe(false);
      expect(await ctx.store.updateOutbox('c1', { status: 'sent', wamid: 'wamid.c1', claimedBy: 'd1' })).toBe(
        true,
      );
      expect((await ctx.store.getOutbox('c1'))?.status).toBe('sent');
      expect((await ctx.store.claimOutbox('d2', 2_000, 3_000, 10)).map((row) => row.id)).toEqual(['c2']);
      // Not asked, not due, or a conflict: nothing claimed.
      const plain = makeUnit(makeConversation('n'), { outbox: [makeOutbox('n', 'n1', 1, 'one')] });
      expect(await ctx.store.commit(plain)).toEqual({ ok: true });
      const later = makeOutbox('f', 'f1', 1, 'one', { nextAttemptAt: Number.MAX_SAFE_INTEGER });
      expect(
        await ctx.store.commit(makeUnit(makeConversation('f'), { outbox: [later] }), { claimFor }),
      ).toEqual({
        ok: true,
      });
      const stale = makeUnit(makeConversation('c', { revision: 9 }), {
        outbox: [makeOutbox('c', 'c9', 9, 'x')],
      });
      expect(await ctx.store.commit(stale, { claimFor })).toEqual({ ok: false, reason: 'conflict' });
      expect(await ctx.store.getOutbox('c9')).toBeNull();
      expect((await ctx.store.getOutbox('n1'))?.status).toBe('pending');
      expect((await ctx.store.getOutbox('f1'))?.status).toBe('pending');
    });

    it('keeps a row claimed with its commit claimed over a restart, until its lease ends', async () => {
      const unit = makeUnit(makeConversation('k'), { outbox: [makeOutbox('k', 'k1', 1, 'one')] });
      await ctx.store.commit(unit, { claimFor: { owner: 'd1', leaseUntil: 3_000 } });
      await ctx.store.close();
      ctx.store = await ctx.harness.open();
      expect((await ctx.store.getOutbox('k1'))?.status).toBe('sending');
      expect(await ctx.store.claimOutbox('d2', 2_000, 4_000, 10)).toEqual([]);
      expect(await ctx.store.recoverExpiredOutbox(2_999)).toBe(0);
      expect(await ctx.store.recoverExpiredOutbox(3_000)).toBe(1);
      expect((await ctx.store.claimOutbox('d2', 3_001, 4_000, 10)).map((row) => row.id)).toEqual(['k1']);
    });

    it('recovers rows whose sender died once the lease expires', async () => {
      await ctx.store.commit(makeUnit(makeConversation('x'), { outbox: [makeOutbox('x', 'x1', 1, 'one')] }));
      await ctx.store.claimOutbox('d1', 1_000, 2_000, 10);
      expect(await ctx.store.recoverExpiredOutbox(1_999)).toBe(0);
      expect(await ctx.store.countPendingOutbox()).toBe(1);
      expect(await ctx.store.recoverExpiredOutbox(2_000)).toBe(1);
      expect((await ctx.store.getOutbox('x1'))?.status).toBe('pending');
      expect((await ctx.store.claimOutbox('d2', 2_001, 3_000, 10)).map((row) => row.id)).toEqual(['x1']);
    });

    it('fences a sender’s outcome on its claim (claimedBy)', async () => {
      await ctx.store.commit(
        makeUnit(makeConversation('f'), {
          outbox: [makeOutbox('f', 'f1', 1, 'one'), makeOutbox('f', 'f2', 2, 'two')],
        }),
      );
      // A status webhook settles f1 while its sender waits for an ambiguous answer: the
      // sender's retry must not put it back to pending (it would be sent twice).
      await ctx.store.claimOutbox('d1', 1_000, 9_000, 10);
      await ctx.store.updateOutbox('f1', { status: 'sent', deliveryStatus: 'sent', wamid: 'wamid.f1' });
      const retry = { status: 'pending' as const, attempts: 1, nextAttemptAt: 2_000, claimedBy: 'd1' };
      expect(await ctx.store.updateOutbox('f1', retry)).toBe(false);
      expect(await ctx.store.getOutbox('f1')).toMatchObject({ status: 'sent', wamid: 'wamid.f1' });
      // An expired claim another sender took over is theirs: the first sender's write is refused.
      expect((await ctx.store.claimOutbox('d1', 3_000, 4_000, 10)).map((row) => row.id)).toEqual(['f2']);
      expect(await ctx.store.recoverExpiredOutbox(4_000)).toBe(1);
      expect((await ctx.store.claimOutbox('d2', 4_000, 5_000, 10)).map((row) => row.id)).toEqual(['f2']);
      expect(await ctx.store.updateOutbox('f2', { ...retry, nextAttemptAt: 4_500 })).toBe(false);
      expect((await ctx.store.getOutbox('f2'))?.status).toBe('sending');
      // The owner's own write lands.
      expect(await ctx.store.updateOutbox('f2', { ...retry, nextAttemptAt: 4_500, claimedBy: 'd2' })).toBe(
        true,
      );
      const own = await ctx.store.getOutbox('f2');
      expect(own).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: 4_500 });
      expect(own).not.toHaveProperty('claimedBy');
    });

    it('moves delivery statuses only forward and ignores unknown ids', async () => {
      await ctx.store.commit(makeUnit(makeConversation('s'), { outbox: [makeOutbox('s', 's1', 1, 'one')] }));
      await ctx.store.updateOutbox('s1', { status: 'sent', wamid: 'wamid.s1' });
      expect(await ctx.store.updateOutbox('s1', { deliveryStatus: 'read' })).toBe(true);
      expect((await ctx.store.getOutbox('s1'))?.status).toBe('read');
      // Old news is still a write (the row is there), which changes nothing.
      expect(await ctx.store.updateOutbox('s1', { deliveryStatus: 'delivered' })).toBe(true);
      expect((await ctx.store.getOutbox('s1'))?.status).toBe('read');
      expect(await ctx.store.updateOutbox('nope', { status: 'sent' })).toBe(false);
      expect(await ctx.store.getOutbox('nope')).toBeNull();
      expect(await ctx.store.countPendingOutbox()).toBe(0);
    });
    it('writes the transcript entries given with an update, and none when the row is not there', async () => {
      const conversation = makeConversation('w');
      await ctx.store.commit(makeUnit(conversation, { outbox: [makeOutbox('w', 'w1', 1, 'one')] }));
      await ctx.store.updateOutbox('w1', { status: 'sent', wamid: 'wamid.w1' });
      const entries = [makeTranscript('w', 'wt1', 2_000, 'sent'), makeTranscript('w', 'wt2', 2_000, 'read')];
      expect(await ctx.store.updateOutbox('w1', { deliveryStatus: 'read' }, entries)).toBe(true);
      expect((await ctx.store.getOutbox('w1'))?.status).toBe('read');
      expect((await ctx.store.listTranscript(conversation.id)).map((entry) => entry.id)).toEqual([
        'wt1',
        'wt2',
      ]);
      const stray = [makeTranscript('w', 'wt3', 3_000, 'lost')];
      expect(await ctx.store.updateOutbox('nope', { deliveryStatus: 'read' }, stray)).toBe(false);
      expect(await ctx.store.updateOutbox('w1', { status: 'pending', claimedBy: 'x' }, stray)).toBe(false);
      expect((await ctx.store.listTranscript(conversation.id)).map((entry) => entry.id)).toEqual([
        'wt1',
        'wt2',
      ]);
    });
    it('writes an entry id once, whether it came with an update or on its own', async () => {
      // A send's answer and a status webhook that beat it both say `sent` under one id.
      const conversation = makeConversation('once');
      await ctx.store.commit(makeUnit(conversation, { outbox: [makeOutbox('once', 'o1', 1, 'one')] }));
      await ctx.store.appendTranscript([makeTranscript('once', 'said-sent', 2_000, 'by the webhook')]);
      const again = [makeTranscript('once', 'said-sent', 2_001, 'by the answer')];
      await ctx.store.updateOutbox('o1', { deliveryStatus: 'sent', wamid: 'wamid.o1' }, again);
      await ctx.store.updateOutbox('o1', { deliveryStatus: 'delivered' }, [
        ...again,
        makeTranscript('once', 'said-delivered', 2_002, 'delivered'),
      ]);
      await ctx.store.appendTranscript(again);
      const entries = await ctx.store.listTranscript(conversation.id);
      const textOf = (entry: (typeof entries)[number]) =>
        entry.inbound?.type === 'text' ? entry.inbound.text : undefined;
      expect(entries.map((entry) => [entry.id, textOf(entry)])).toEqual([
        ['said-sent', 'by the webhook'],
        ['said-delivered', 'delivered'],
      ]);
      expect((await ctx.store.getOutbox('o1'))?.status).toBe('delivered');
    });
  });
}
