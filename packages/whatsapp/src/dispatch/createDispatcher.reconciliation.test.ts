import { beforeEach, describe, expect, it } from 'vitest';
import { acceptedSend, graphErrorReply } from '../testing/startGraphStandIn.js';
import { graph, sends, store, useDispatcherKit } from './dispatcherTestKit.js';

let now: number;
beforeEach(() => {
  now = 1_000_000;
});
const { dispatcher, row, statusEvent } = useDispatcherKit(() => now);

describe('createDispatcher: status webhooks', () => {
  it('a lost response (timeout) is reconciled by the status webhook carrying the row id, never resent', async () => {
    const sent = row();
    graph.reply = () => 'hang';
    const d = dispatcher({ ambiguousGraceMs: 60_000 }, 200);
    await d.tick();
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(store.rows.get(sent.id)?.nextAttemptAt).toBeGreaterThanOrEqual(now + 60_000);
    // Meta did accept it: its status webhook echoes our callback data.
    const result = await d.applyStatus(statusEvent('wamid.LOST', 'sent', { callbackData: sent.id }));
    expect(result).toMatchObject({ matched: true, status: 'sent' });
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'sent', wamid: 'wamid.LOST' });
    expect(store.transcript.map((e) => e.code)).toContain('outbox.reconciled');
    now += 120_000;
    graph.reply = () => acceptedSend('wamid.DUP');
    await d.tick();
    expect(sends()).toHaveLength(1);
  });

  it('a status webhook that beats a reset (Meta accepted, the answer was lost) is never undone by the retry', async () => {
    const sent = row();
    const d = dispatcher({ ambiguousGraceMs: 60_000 });
    graph.reply = async () => {
      await d.applyStatus(statusEvent('wamid.RACE', 'sent', { callbackData: sent.id }));
      await d.applyStatus(statusEvent('wamid.RACE', 'delivered', { callbackData: sent.id }));
      return 'destroy' as const;
    };
    const report = await d.tick();
    expect(report).toMatchObject({ sent: 1, retried: 0 });
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'delivered', wamid: 'wamid.RACE', attempts: 1 });
    // The statuses came while the send was in flight; its lost answer is said by the sender, once.
    expect(store.transcript.filter((e) => e.code === 'outbox.reconciled')).toHaveLength(1);
    now += 120_000;
    graph.reply = () => acceptedSend('wamid.DUP');
    await d.tick();
    expect(sends()).toHaveLength(1);
  });

  it('a permanent failed status that beats a reset stays failed: the lost answer does not resend it', async () => {
    const sent = row();
    const d = dispatcher({ ambiguousGraceMs: 60_000 });
    graph.reply = async () => {
      await d.applyStatus(
        statusEvent('wamid.GONE', 'failed', { callbackData: sent.id, errors: [{ code: 131026 }] }),
      );
      return 'destroy' as const;
    };
    expect(await d.tick()).toMatchObject({ failed: 1, retried: 0 });
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'failed', attempts: 1 });
    now += 120_000;
    await d.tick();
    expect(sends()).toHaveLength(1);
  });

  it('without a status webhook, an ambiguous send is resent once after the grace period, flagged', async () => {
    const sent = row();
    const warnings: string[] = [];
    const log = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_f: object, m?: string) => warnings.push(m ?? ''),
    };
    graph.reply = () => 'hang';
    const d = dispatcher({ ambiguousGraceMs: 60_000, log }, 200);
    await d.tick();
    graph.reply = () => acceptedSend('wamid.RESENT');
    now += 30_000;
    await d.tick();
    expect(sends()).toHaveLength(1);
    now += 31_000;
    await d.tick();
    expect(sends()).toHaveLength(2);
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'sent', wamid: 'wamid.RESENT', attempts: 2 });
    expect(warnings).toContain('resending after an ambiguous attempt: possible duplicate');
  });

  it('after a crash mid-send, the webhook reconciles the leased row; without one, it is resent after the grace', async () => {
    const reconciled = row({ conversationId: '1055:a' });
    const orphan = row({ conversationId: '1055:b' });
    // A crashed instance claimed both and never answered.
    await store.claimOutbox('crashed', now, now + 30_000, 10);
    const d = dispatcher();
    await d.applyStatus(
      statusEvent('wamid.A', 'delivered', {
        callbackData: reconciled.id,
        key: { phoneNumberId: '1055', userId: 'a' },
      }),
    );
    // The lease has ended, but a send that went out may still be reconciled: not resent yet.
    now += 31_000;
    await d.tick();
    expect(sends()).toHaveLength(0);
    now += 30_000;
    await d.tick();
    expect(store.rows.get(reconciled.id)).toMatchObject({ status: 'delivered', wamid: 'wamid.A' });
    expect(store.rows.get(orphan.id)?.status).toBe('sent');
    expect(sends().map((r) => r.json?.biz_opaque_callback_data)).toEqual([orphan.id]);
  });

  it('a sender whose claim was taken over (lease expired in a stall) writes nothing over the new claim', async () => {
    const sent = row();
    const d = dispatcher();
    graph.reply = async () => {
      // The lease runs out while this answer is awaited; another instance recovers and claims it.
      await store.recoverExpiredOutbox(now + 31_000);
      await store.claimOutbox('other', now + 31_000, now + 61_000, 10);
      return graphErrorReply(503, 2);
    };
    const report = await d.tick();
    expect(report).toMatchObject({ sent: 0, retried: 0, failed: 0 });
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'sending', attempts: 0 });
    expect(store.leases.get(sent.id)?.owner).toBe('other');
    expect(store.transcript.map((e) => e.code)).not.toContain('outbox.retry');
  });

  it('a status webhook matched by callback data after its wamid was recorded is the same message', async () => {
    const sent = row();
    graph.reply = () => acceptedSend('wamid.SAME');
    const d = dispatcher();
    await d.tick();
    const found = store.findOutboxByWamid.bind(store);
    store.findOutboxByWamid = async () => null; // the wamid index lags the write (lowdb)
    const result = await d.applyStatus(statusEvent('wamid.SAME', 'delivered', { callbackData: sent.id }));
    store.findOutboxByWamid = found;
    expect(result).toMatchObject({ matched: true, status: 'delivered' });
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'delivered', wamid: 'wamid.SAME' });
  });

  it('a status matched by callback data whose send answer lands meanwhile is not called reconciled', async () => {
    const sent = row();
    graph.reply = () => acceptedSend('wamid.RACE');
    const d = dispatcher();
    await d.tick();
    const { findOutboxByWamid, getOutbox } = store;
    store.findOutboxByWamid = async () => null;
    // The first read (before the row lock) still shows the row without its wamid.
    let reads = 0;
    store.getOutbox = async (id) => {
      const stored = await getOutbox.call(store, id);
      reads += 1;
      return reads === 1 && stored ? { ...stored, wamid: undefined, status: 'sending' } : stored;
    };
    const result = await d.applyStatus(statusEvent('wamid.RACE', 'delivered', { callbackData: sent.id }));
    Object.assign(store, { findOutboxByWamid, getOutbox });
    expect(result).toMatchObject({ matched: true, status: 'delivered' });
    expect(store.transcript.map((e) => e.code)).not.toContain('outbox.reconciled');
  });

  it('callback data from another number or app never matches', async () => {
    const sent = row();
    const d = dispatcher();
    expect(
      await d.applyStatus(
        statusEvent('wamid.X', 'sent', { callbackData: sent.id, key: { phoneNumberId: '999', userId: 'u' } }),
      ),
    ).toEqual({ matched: false });
  });
});
