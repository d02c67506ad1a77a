import { beforeEach, describe, expect, it } from 'vitest';
import { acceptedSend } from '../testing/startGraphStandIn.js';
import { graph, store, useDispatcherKit } from './dispatcherTestKit.js';

let now: number;
beforeEach(() => {
  now = 1_000_000;
});
const { dispatcher, row, statusEvent } = useDispatcherKit(() => now);

describe('createDispatcher: status webhooks', () => {
  async function sentRow() {
    const sent = row();
    graph.reply = () => acceptedSend('wamid.S');
    await dispatcher().tick();
    return sent;
  }

  it('updates the row monotonically: delivered after read does not move it back', async () => {
    const d = dispatcher();
    const sent = await sentRow();
    expect(await d.applyStatus(statusEvent('wamid.S', 'read'))).toMatchObject({
      matched: true,
      status: 'read',
      changed: true,
    });
    expect(await d.applyStatus(statusEvent('wamid.S', 'delivered'))).toMatchObject({
      status: 'read',
      changed: false,
    });
    expect(await d.applyStatus(statusEvent('wamid.S', 'sent'))).toMatchObject({ changed: false });
    expect(store.rows.get(sent.id)?.status).toBe('read');
    expect(
      await d.applyStatus(statusEvent('wamid.S', 'failed', { errors: [{ code: 131000 }] })),
    ).toMatchObject({
      status: 'read',
      changed: false,
    });
    // The send's answer said `sent`; its webhook, late as it is, adds nothing.
    expect(store.transcript.map((e) => e.status)).toEqual(['sent', 'read', 'delivered', 'failed']);
  });

  it('one message’s statuses in a batch are one row update with the same outcome and every transcript entry', async () => {
    const d = dispatcher();
    const sent = await sentRow();
    const updates: string[] = [];
    const transcriptWrites: number[] = [];
    const { updateOutbox, appendTranscript } = store;
    store.updateOutbox = (id, patch, entries) => {
      updates.push(`${id}:${patch.deliveryStatus}:${entries?.length ?? 0} entries`);
      return updateOutbox.call(store, id, patch, entries);
    };
    store.appendTranscript = (entries) => {
      transcriptWrites.push(entries.length);
      return appendTranscript.call(store, entries);
    };
    // Interleaved with another message's, as Meta batches them.
    const results = await d.applyStatuses([
      statusEvent('wamid.S', 'sent'),
      statusEvent('wamid.unknown', 'sent'),
      statusEvent('wamid.S', 'read'),
      statusEvent('wamid.unknown', 'read'),
      statusEvent('wamid.S', 'delivered'),
    ]);
    expect(results).toEqual([
      { matched: true, outboxId: sent.id, status: 'sent', changed: false },
      { matched: false },
      { matched: true, outboxId: sent.id, status: 'read', changed: true },
      { matched: false },
      { matched: true, outboxId: sent.id, status: 'read', changed: false },
    ]);
    expect(store.rows.get(sent.id)?.status).toBe('read');
    expect(updates).toEqual([`${sent.id}:read:2 entries`]);
    expect(transcriptWrites).toEqual([]);
    expect(store.transcript.map((e) => `${e.code} ${e.status}`)).toEqual([
      'outbox.sent sent',
      'outbox.status read',
      'outbox.status delivered',
    ]);
  });

  it('a redelivered status the row already shows writes no second transcript entry', async () => {
    const d = dispatcher();
    const sent = await sentRow();
    await d.applyStatuses([statusEvent('wamid.S', 'sent'), statusEvent('wamid.S', 'delivered')]);
    // Meta sends the webhook again (our 200 was lost): one status at a time and folded.
    await d.applyStatus(statusEvent('wamid.S', 'delivered'));
    await d.applyStatuses([statusEvent('wamid.S', 'delivered'), statusEvent('wamid.S', 'read')]);
    await d.applyStatuses([statusEvent('wamid.S', 'read')]);
    expect(store.rows.get(sent.id)?.status).toBe('read');
    expect(store.transcript.map((e) => e.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('two copies of a status webhook applied at once tell each status once', async () => {
    const d = dispatcher();
    const sent = await sentRow();
    // Meta redelivers a webhook while its first copy is still being applied: both copies read the
    // row before either writes, so neither sees the other's entry; its fixed id keeps it single.
    const copy = () => [statusEvent('wamid.S', 'delivered'), statusEvent('wamid.S', 'read')];
    const results = await Promise.all([d.applyStatuses(copy()), d.applyStatuses(copy())]);
    expect(results.flat().every((r) => r.matched)).toBe(true);
    await d.applyStatus(statusEvent('wamid.S', 'read'));
    expect(store.rows.get(sent.id)?.status).toBe('read');
    expect(store.transcript.map((e) => `${e.id} ${e.status}`)).toEqual([
      `${sent.id}:sent:wamid.S sent`,
      `${sent.id}:delivered:wamid.S delivered`,
      `${sent.id}:read:wamid.S read`,
    ]);
  });

  it('a message with a failed status goes one status at a time: delivered first, so the failure is old news', async () => {
    const d = dispatcher();
    const sent = await sentRow();
    const results = await d.applyStatuses([
      statusEvent('wamid.S', 'delivered'),
      statusEvent('wamid.S', 'failed', { errors: [{ code: 131000 }] }),
    ]);
    expect(results.map((r) => r.matched && r.status)).toEqual(['delivered', 'delivered']);
    expect(store.rows.get(sent.id)?.status).toBe('delivered');
    const retried = row();
    graph.reply = () => acceptedSend('wamid.R');
    await d.tick();
    await d.applyStatuses([
      statusEvent('wamid.R', 'failed', { errors: [{ code: 131000 }] }),
      statusEvent('wamid.R', 'failed', { errors: [{ code: 131000 }] }),
    ]);
    // A retryable failure schedules the row again; the second copy finds it pending, not sent.
    expect(store.rows.get(retried.id)).toMatchObject({ status: 'pending', lastError: { code: 131000 } });
  });

  it('statuses of a row known only by callback data (its send answer lost) reconcile it as single ones do', async () => {
    const sent = row();
    graph.reply = () => 'hang';
    const d = dispatcher({ ambiguousGraceMs: 60_000 }, 200);
    await d.tick();
    const results = await d.applyStatuses([
      statusEvent('wamid.LOST', 'sent', { callbackData: sent.id }),
      statusEvent('wamid.LOST', 'delivered', { callbackData: sent.id }),
    ]);
    expect(results.map((r) => r.matched && r.status)).toEqual(['sent', 'delivered']);
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'delivered', wamid: 'wamid.LOST' });
    expect(store.transcript.filter((e) => e.code === 'outbox.reconciled')).toHaveLength(1);
  });

  it('a status found by callback data, applied on two instances at once, reconciles the row once', async () => {
    const sent = row();
    graph.reply = () => 'hang';
    const d = dispatcher({ ambiguousGraceMs: 60_000 }, 200);
    await d.tick();
    // Two instances (each its own row locks) get a copy of the webhook; both read the row before
    // either writes its wamid.
    const other = dispatcher({ ambiguousGraceMs: 60_000 });
    const copy = () => [statusEvent('wamid.LOST', 'delivered', { callbackData: sent.id })];
    await Promise.all([d.applyStatuses(copy()), other.applyStatuses(copy())]);
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'delivered', wamid: 'wamid.LOST' });
    const told = store.transcript.filter((e) => e.code === 'outbox.reconciled' || e.code === 'outbox.status');
    expect(told.map((e) => e.code)).toEqual(['outbox.reconciled', 'outbox.status']);
  });

  it('an unknown wamid is not matched', async () => {
    expect(
      await dispatcher().applyStatus(statusEvent('wamid.unknown', 'read', { callbackData: 'flow=x' })),
    ).toEqual({
      matched: false,
    });
  });

  it('a failed status with a retryable code is resent; with 131047 it fails for good', async () => {
    const d = dispatcher();
    const sent = await sentRow();
    await d.applyStatus(
      statusEvent('wamid.S', 'failed', { errors: [{ code: 131000, message: 'Something went wrong' }] }),
    );
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'pending', lastError: { code: 131000 } });
    graph.reply = () => acceptedSend('wamid.S2');
    now += 5000;
    await d.tick();
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'sent', wamid: 'wamid.S2', attempts: 2 });
    await d.applyStatus(statusEvent('wamid.S2', 'failed', { errors: [{ code: 131047 }] }));
    expect(store.rows.get(sent.id)?.status).toBe('failed');
    expect(store.transcript.at(-1)?.code).toBe('window.closed');
  });
});
