import { beforeEach, describe, expect, it } from 'vitest';
import { acceptedSend, graphErrorReply, type RecordedRequest } from '../testing/startGraphStandIn.js';
import { credentialErrors, graph, sends, store, useDispatcherKit } from './dispatcherTestKit.js';
import { sentEntryId } from './outboxTranscript.js';

let now: number;
beforeEach(() => {
  now = 1_000_000;
});
const { dispatcher, row, statusEvent } = useDispatcherKit(() => now);

const textOf = (request: RecordedRequest | undefined) =>
  (request?.json?.text as { body?: string } | undefined)?.body;

describe('createDispatcher: sending', () => {
  it('sends a row with its id as callback data, records the wamid and says so in the same write', async () => {
    const sent = row({ nodeId: 'ask_size' });
    graph.reply = () => acceptedSend('wamid.OUT1');
    const updates: number[] = [];
    const { updateOutbox } = store;
    store.updateOutbox = (id, patch, entries) => {
      updates.push(entries?.length ?? 0);
      return updateOutbox.call(store, id, patch, entries);
    };
    const d = dispatcher();
    const report = await d.tick();
    expect(report).toMatchObject({ claimed: 1, sent: 1, failed: 0 });
    expect(sends()[0]?.json).toMatchObject({ to: '+15557654321', biz_opaque_callback_data: sent.id });
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'sent', wamid: 'wamid.OUT1', attempts: 1 });
    expect(updates).toEqual([1]);
    expect(store.transcript).toEqual([
      expect.objectContaining({
        id: sentEntryId(sent.id, 'wamid.OUT1'),
        outboxId: sent.id,
        nodeId: 'ask_size',
        code: 'outbox.sent',
        status: 'sent',
        text: 'Sent to WhatsApp.',
      }),
    ]);
    // Its `sent` status webhook says the same: nothing more is written.
    await d.applyStatus(statusEvent('wamid.OUT1', 'sent'));
    expect(updates).toEqual([1]);
    expect(store.transcript).toHaveLength(1);
  });

  it('a sent status that beat the send response is said once, and nothing was reconciled: the answer came', async () => {
    const sent = row();
    const d = dispatcher();
    graph.reply = async () => {
      await d.applyStatus(statusEvent('wamid.EARLY', 'sent', { callbackData: sent.id }));
      return acceptedSend('wamid.EARLY');
    };
    await d.tick();
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'sent', wamid: 'wamid.EARLY', attempts: 1 });
    // The answer's own `sent` entry has the webhook's id: not written a second time.
    expect(store.transcript.map((e) => e.code)).toEqual(['outbox.status']);
    expect(store.transcript[0]).toMatchObject({ id: sentEntryId(sent.id, 'wamid.EARLY'), status: 'sent' });
  });

  it('a status webhook that beat the send response is never moved back by it', async () => {
    const sent = row();
    const d = dispatcher();
    graph.reply = async () => {
      await d.applyStatus(statusEvent('wamid.EARLY', 'delivered', { callbackData: sent.id }));
      return acceptedSend('wamid.EARLY');
    };
    await d.tick();
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'delivered', wamid: 'wamid.EARLY', attempts: 1 });
  });

  it('sends a conversation strictly in seq order, one at a time', async () => {
    const conversation = '1055:15557654321';
    for (const seq of [2, 0, 1])
      row({ conversationId: conversation, seq, message: { type: 'text', text: `seq ${seq}` } });
    const d = dispatcher();
    for (let i = 0; i < 5; i += 1) await d.tick();
    expect(sends().map(textOf)).toEqual(['seq 0', 'seq 1', 'seq 2']);
  });

  it('keeps per-recipient order under concurrency: two dispatchers, random latency, many users', async () => {
    const users = Array.from({ length: 8 }, (_, i) => `1555000000${i}`);
    for (const user of users) {
      for (let seq = 0; seq < 6; seq += 1) {
        row({ conversationId: `1055:${user}`, seq, message: { type: 'text', text: `${user}#${seq}` } });
      }
    }
    let wamid = 0;
    graph.reply = (_request, index) =>
      new Promise((resolve) =>
        setTimeout(() => resolve(acceptedSend(`wamid.${++wamid}`)), (index * 7919) % 13),
      );
    const a = dispatcher({ owner: 'a', batchSize: 5 });
    const b = dispatcher({ owner: 'b', batchSize: 3 });
    for (let round = 0; round < 40 && [...store.rows.values()].some((r) => r.status !== 'sent'); round += 1) {
      await Promise.all([a.tick(), b.tick()]);
    }
    const texts = sends().map(textOf) as string[];
    expect(texts).toHaveLength(48);
    expect(new Set(texts).size).toBe(48);
    for (const user of users) {
      expect(texts.filter((t) => t.startsWith(user))).toEqual(
        [0, 1, 2, 3, 4, 5].map((seq) => `${user}#${seq}`),
      );
    }
  });

  it('retries injected 130429s and 5xx until success, with backoff and exactly one accepted send', async () => {
    const sent = row();
    const script = [
      graphErrorReply(400, 130429),
      graphErrorReply(429, 130429),
      { status: 503, text: 'down' },
      graphErrorReply(500, 131000),
    ];
    graph.reply = (_request, index) => script[index] ?? acceptedSend('wamid.FINALLY');
    const d = dispatcher();
    const times: number[] = [];
    for (let i = 0; i < 20 && store.rows.get(sent.id)?.status !== 'sent'; i += 1) {
      const report = await d.tick();
      if (report.claimed > 0) times.push(now);
      const next = store.rows.get(sent.id)?.nextAttemptAt ?? now;
      now = Math.max(now + 1, next);
    }
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'sent', wamid: 'wamid.FINALLY', attempts: 5 });
    expect(sends()).toHaveLength(5);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    // Backoff grows: 750, 1500, 3000, 6000 ms with jitter at 0.5 (attempts 1–4).
    expect(gaps).toEqual([750, 1500, 3000, 6000]);
    expect(store.transcript.map((e) => e.code)).toEqual([
      'outbox.retry',
      'outbox.retry',
      'outbox.retry',
      'outbox.retry',
      'outbox.sent',
    ]);
  });

  it('gives up at the deadline with a final failure in the transcript', async () => {
    const sent = row({ deadlineAt: now + 2000 });
    graph.reply = () => graphErrorReply(503, 2);
    const d = dispatcher();
    for (let i = 0; i < 10; i += 1) {
      await d.tick();
      now = Math.max(now + 1, store.rows.get(sent.id)?.nextAttemptAt ?? now);
    }
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'failed', lastError: { code: 2 } });
    expect(store.transcript.at(-1)).toMatchObject({ code: 'outbox.failed', direction: 'error' });
  });

  it('a row already past its deadline is not sent', async () => {
    const late = row({ deadlineAt: now - 1 });
    await dispatcher().tick();
    expect(sends()).toHaveLength(0);
    expect(store.rows.get(late.id)?.status).toBe('failed');
    expect(store.transcript[0]?.code).toBe('outbox.expired');
  });

  it('131047 outside the window fails with a clear window.closed entry', async () => {
    const sent = row();
    graph.reply = () => graphErrorReply(400, 131047);
    await dispatcher().tick();
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'failed', lastError: { code: 131047 } });
    expect(store.transcript[0]).toMatchObject({ code: 'window.closed', direction: 'error' });
    expect(store.transcript[0]?.text).toContain('24-hour window');
  });

  it('a permanent error fails at once, without retry; a locally invalid message never reaches Graph', async () => {
    const bad = row({ message: { type: 'text', text: 'x'.repeat(5000) } });
    const refused = row({ conversationId: '1055:2' });
    graph.reply = () => graphErrorReply(400, 131026);
    await dispatcher().tick();
    expect(store.rows.get(bad.id)?.status).toBe('failed');
    expect(store.rows.get(refused.id)).toMatchObject({ status: 'failed', lastError: { code: 131026 } });
    expect(sends()).toHaveLength(1);
  });

  it('190 (token expired) is surfaced loudly, pauses the number and keeps the row', async () => {
    const sent = row();
    const other = row({ conversationId: '1055:2' });
    graph.reply = () => graphErrorReply(401, 190, 'Error validating access token');
    const d = dispatcher();
    await d.tick();
    expect(credentialErrors.map(([id, e]) => [id, e.code])).toEqual([
      ['1055', 190],
      ['1055', 190],
    ]);
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(store.rows.get(other.id)?.status).toBe('pending');
    expect(store.transcript.map((e) => e.code)).toContain('outbox.credentials');
    graph.reply = () => acceptedSend('wamid.after-fix');
    now += 60_000;
    await d.tick();
    expect(store.rows.get(sent.id)?.status).toBe('sent');
  });

  it('no client for a number counts as a credentials problem', async () => {
    row();
    await dispatcher({ graph: () => null }).tick();
    expect(credentialErrors).toHaveLength(1);
    expect(sends()).toHaveLength(0);
  });
});
