import type { OutboxRecord } from '@parley/flow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGraphClient } from '../graph/createGraphClient.js';
import type { GraphError } from '../graph/GraphError.js';
import { createMemoryOutbox, outboxRow, type MemoryOutbox } from '../testing/createMemoryOutbox.js';
import {
  acceptedSend,
  graphErrorReply,
  startGraphStandIn,
  type GraphStandIn,
  type RecordedRequest,
} from '../testing/startGraphStandIn.js';
import type { MessageStatusEvent } from '../webhook/parseWebhook.js';
import { createDispatcher, type DispatcherOptions } from './createDispatcher.js';

let graph: GraphStandIn;
let store: MemoryOutbox;
let now: number;
let credentialErrors: [string, GraphError][];

beforeEach(async () => {
  graph = await startGraphStandIn();
  store = createMemoryOutbox();
  now = 1_000_000;
  credentialErrors = [];
});
afterEach(async () => {
  await graph.close();
});

function dispatcher(extra: Partial<DispatcherOptions> = {}, timeoutMs = 5000) {
  const client = createGraphClient({ baseUrl: graph.baseUrl, accessToken: 'token', timeoutMs });
  return createDispatcher({
    store,
    graph: () => client,
    owner: 'test',
    clock: () => now,
    random: () => 0.5,
    // Tests not about pacing send a whole window at once (the default burst is a quarter of it).
    rate: { burst: 80, pairIntervalMs: 0, pairBurst: 1000 },
    retry: { baseMs: 1000, maxMs: 60_000 },
    onCredentialsError: (id, error) => credentialErrors.push([id, error]),
    ...extra,
  });
}

const row = (init: Partial<OutboxRecord> = {}) => {
  const created = outboxRow({ nextAttemptAt: now, createdAt: now, deadlineAt: now + 3_600_000, ...init });
  store.add(created);
  return created;
};
const sends = () => graph.requests.filter((r) => r.path.endsWith('/messages'));
const textOf = (request: RecordedRequest | undefined) =>
  (request?.json?.text as { body?: string } | undefined)?.body;
const statusEvent = (
  wamid: string,
  status: MessageStatusEvent['status'],
  extra: Partial<MessageStatusEvent> = {},
) =>
  ({
    type: 'message.status',
    key: { phoneNumberId: '1055', userId: '15557654321' },
    wamid,
    status,
    timestamp: now,
    ...extra,
  }) satisfies MessageStatusEvent;

describe('createDispatcher: sending', () => {
  it('sends a row with its id as callback data and records the wamid, without a transcript entry', async () => {
    const sent = row({ nodeId: 'ask_size' });
    graph.reply = () => acceptedSend('wamid.OUT1');
    const report = await dispatcher().tick();
    expect(report).toMatchObject({ claimed: 1, sent: 1, failed: 0 });
    expect(sends()[0]?.json).toMatchObject({ to: '+15557654321', biz_opaque_callback_data: sent.id });
    expect(store.rows.get(sent.id)).toMatchObject({ status: 'sent', wamid: 'wamid.OUT1', attempts: 1 });
    // The `sent` status webhook records it; a success needs no second entry.
    expect(store.transcript).toEqual([]);
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

describe('createDispatcher: rate limits with a fake clock', () => {
  it('paces one recipient: a burst, then pairIntervalMs apart; other users unaffected', async () => {
    for (let seq = 0; seq < 4; seq += 1) row({ conversationId: '1055:dana', seq });
    row({ conversationId: '1055:tom' });
    const d = dispatcher({ rate: { pairIntervalMs: 6000, pairBurst: 2 } });
    const sentAt: Record<string, number[]> = { dana: [], tom: [] };
    graph.reply = (request) => {
      const to = String(request.json?.to);
      sentAt[to.includes('dana') ? 'dana' : 'tom']?.push(now);
      return acceptedSend(`wamid.${graph.requests.length}`);
    };
    const start = now;
    for (let step = 0; step < 40; step += 1) {
      await d.tick();
      now += 500;
    }
    expect(sentAt.tom).toEqual([start]);
    expect(sentAt.dana?.map((t) => t - start)).toEqual([0, 500, 6000, 12000]);
  });

  it('caps a number at perNumberPerSecond in any window of 1 s plus the margin', async () => {
    for (let user = 0; user < 30; user += 1) row({ conversationId: `1055:${user}` });
    const d = dispatcher({ rate: { perNumberPerSecond: 10, burst: 10, pairIntervalMs: 0 } });
    await d.tick();
    expect(sends()).toHaveLength(10);
    now += 500;
    await d.tick();
    expect(sends()).toHaveLength(10);
    // One second later is not enough: the window is 1,100 ms (default windowMarginMs of 100).
    now += 500;
    await d.tick();
    expect(sends()).toHaveLength(10);
    now += 100;
    await d.tick();
    expect(sends()).toHaveLength(20);
  });

  it('stamps a rate-limit slot when the send goes, not when a slow round began', async () => {
    for (let user = 0; user < 30; user += 1) row({ conversationId: `1055:${user}` });
    let claimDelayMs = 500;
    const slowClaims = {
      ...store,
      claimOutbox: async (...args: Parameters<MemoryOutbox['claimOutbox']>) => {
        now += claimDelayMs; // the claim took this long: the round's start time is stale now
        return store.claimOutbox(...args);
      },
    };
    const d = dispatcher({
      store: slowClaims,
      rate: { perNumberPerSecond: 10, burst: 10, pairIntervalMs: 0 },
    });
    const start = now;
    await d.tick();
    expect(sends()).toHaveLength(10); // at start + 500
    claimDelayMs = 0;
    now = start + 1150; // 1,100 ms after the round began, but only 650 ms after the sends
    await d.tick();
    expect(sends()).toHaveLength(10);
    now = start + 1600;
    await d.tick();
    expect(sends()).toHaveLength(20);
  });

  it('131056 backs off that pair only; 130429 pauses the whole number', async () => {
    const dana = row({ conversationId: '1055:dana' });
    row({ conversationId: '1055:tom' });
    graph.reply = (request) =>
      request.json?.to === 'dana'
        ? graphErrorReply(400, 131056)
        : acceptedSend(`wamid.${graph.requests.length}`);
    const d = dispatcher();
    await d.tick();
    expect(store.rows.get(dana.id)).toMatchObject({ status: 'pending', lastError: { code: 131056 } });
    row({ conversationId: '1055:ana' });
    now += 1;
    await d.tick();
    expect(
      sends()
        .map((r) => r.json?.to)
        .sort(),
    ).toEqual(['ana', 'dana', 'tom']);

    graph.reply = () => graphErrorReply(429, 130429);
    row({ conversationId: '1055:eve' });
    await d.tick();
    const before = sends().length;
    graph.reply = () => acceptedSend('wamid.later');
    row({ conversationId: '1055:zoe' });
    now += 10;
    const report = await d.tick();
    expect(report.deferred).toBeGreaterThanOrEqual(1);
    expect(sends()).toHaveLength(before);
    now += 60_000;
    await d.tick();
    expect(sends().map((r) => r.json?.to)).toContain('zoe');
  });
});

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
    expect(store.transcript.filter((e) => e.code === 'outbox.status').map((e) => e.status)).toEqual([
      'read',
      'delivered',
      'sent',
      'failed',
    ]);
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
    expect(updates).toEqual([`${sent.id}:read:3 entries`]);
    expect(transcriptWrites).toEqual([]);
    expect(store.transcript.filter((e) => e.code === 'outbox.status').map((e) => e.status)).toEqual([
      'sent',
      'read',
      'delivered',
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
    expect(store.transcript.filter((e) => e.code === 'outbox.status').map((e) => e.status)).toEqual([
      'sent',
      'delivered',
      'read',
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

describe('createDispatcher: throughput', () => {
  /** A dispatcher at 10 sends per second (burst 10), recording the status of every outbox write. */
  const tenPerSecond = () => {
    const writes: string[] = [];
    const counting = {
      ...store,
      updateOutbox: (id: string, patch: Parameters<MemoryOutbox['updateOutbox']>[1]) => (
        writes.push(patch.status ?? patch.deliveryStatus ?? ''),
        store.updateOutbox(id, patch)
      ),
    };
    const d = dispatcher({ store: counting, rate: { perNumberPerSecond: 10, burst: 10, pairIntervalMs: 0 } });
    return { writes, d };
  };

  it('keeps rows held by the rate limiter in memory: no write-back, then sent when the slot comes', async () => {
    for (let user = 0; user < 12; user += 1) row({ conversationId: `1055:${user}` });
    const { writes, d } = tenPerSecond();
    const report = await d.tick();
    expect(report).toMatchObject({ claimed: 12, sent: 10, deferred: 2, nextDueAt: now + 1100 });
    expect(writes.filter((w) => w === 'pending')).toEqual([]);
    now += 1100;
    await d.tick();
    expect(sends()).toHaveLength(12);
    expect(writes.filter((w) => w === 'pending')).toEqual([]);
  });

  it('writes a longer backlog back to the store instead of holding it (a crash would strand held rows for the lease)', async () => {
    for (let user = 0; user < 30; user += 1) row({ conversationId: `1055:${user}` });
    const { writes, d } = tenPerSecond();
    const report = await d.tick();
    // 10 now, 10 in the next window (held), 10 two windows away (back to the store, pending).
    expect(report).toMatchObject({ claimed: 30, sent: 10, deferred: 20 });
    expect(writes.filter((w) => w === 'pending')).toHaveLength(10);
    for (let window = 0; window < 4; window += 1) {
      now += 1100;
      await d.tick();
    }
    expect(sends()).toHaveLength(30);
  });

  it('a slow send does not hold back other conversations: the loop claims while it is in flight', async () => {
    const slow = outboxRow({
      conversationId: '1055:slow',
      nextAttemptAt: 0,
      deadlineAt: Date.now() + 60_000,
    });
    store.add(slow);
    let release: () => void = () => undefined;
    graph.reply = (request) =>
      request.json?.to === 'slow'
        ? new Promise((resolve) => (release = () => resolve(acceptedSend('wamid.slow'))))
        : acceptedSend(`wamid.${graph.requests.length}`);
    const d = dispatcher({ clock: Date.now, idleMs: 10_000 });
    d.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fast = outboxRow({
      conversationId: '1055:fast',
      nextAttemptAt: 0,
      deadlineAt: Date.now() + 60_000,
    });
    store.add(fast);
    d.wake();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.rows.get(fast.id)?.status).toBe('sent');
    expect(store.rows.get(slow.id)?.status).toBe('sending');
    release();
    await d.stop();
    expect(store.rows.get(slow.id)?.status).toBe('sent');
  });

  it('stop() hands held rows back to the store at once', async () => {
    for (let user = 0; user < 3; user += 1) row({ conversationId: `1055:${user}` });
    const d = dispatcher({ rate: { perNumberPerSecond: 2, burst: 1, pairIntervalMs: 0 } });
    await d.tick();
    expect([...store.rows.values()].map((r) => r.status).sort()).toEqual(['sending', 'sending', 'sent']);
    await d.stop();
    expect([...store.rows.values()].map((r) => r.status).sort()).toEqual(['pending', 'pending', 'sent']);
  });
});

describe('createDispatcher: loop', () => {
  it('start/stop runs ticks without busy spinning and wakes on demand', async () => {
    let ticks = 0;
    const counting = {
      ...store,
      claimOutbox: async (...args: Parameters<MemoryOutbox['claimOutbox']>) => (
        ticks++,
        store.claimOutbox(...args)
      ),
    };
    const d = dispatcher({ store: counting, idleMs: 50, clock: Date.now });
    d.start();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThanOrEqual(5);
    const sent = outboxRow({ nextAttemptAt: 0, deadlineAt: Date.now() + 60_000 });
    store.add(sent);
    d.wake();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(store.rows.get(sent.id)?.status).toBe('sent');
    await d.stop();
    const after = ticks;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(ticks).toBe(after);
  });
});
