import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from './createSimulator.js';
import {
  SECRET,
  sendAsBot,
  startPhoneSide,
  stopPhoneSide,
  USER,
  type TestReceiver,
} from './phoneSideTestKit.js';
import { SimulatorError } from './simulatorError.js';
import { valueOf } from './testReceiver.js';

// Not in the kit: two tests below replace `sim` and `graph` with a simulator configured otherwise.
let sim: Simulator;
let receiver: TestReceiver;
let graph: string;

beforeEach(async () => {
  ({ receiver, sim, graph } = await startPhoneSide());
});
afterEach(async () => {
  await stopPhoneSide(sim, receiver);
});

const botSends = (body: Record<string, unknown>) => sendAsBot(graph, body);

describe('statuses', () => {
  it('posts sent, delivered and read, signed, echoing the callback data', async () => {
    await sim.userSends({ waId: USER }, 'hi');
    const wamid = await botSends({
      type: 'text',
      text: { body: 'Hello' },
      biz_opaque_callback_data: 'outbox=42;node=ask',
    });
    await receiver.waitFor(() => receiver.statuses().length === 3);
    const statuses = receiver.statuses();
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    for (const s of statuses) {
      expect(s).toMatchObject({
        id: wamid,
        recipient_id: USER,
        biz_opaque_callback_data: 'outbox=42;node=ask',
        timestamp: '1772443330',
      });
    }
    expect(statuses[0]?.pricing).toMatchObject({ pricing_model: 'PMP', type: 'free_customer_service' });
    expect(statuses[2]?.pricing).toBeUndefined();
    expect(receiver.received.every((w) => w.signatureValid)).toBe(true);
    const record = sim.conversation(USER).find((m) => m.wamid === wamid);
    expect(record?.status).toBe('read');
    expect(record?.statuses?.map((s) => s.status)).toEqual(['accepted', 'sent', 'delivered', 'read']);
  });

  it('sends only `sent` for a reaction', async () => {
    const { wamid: userWamid } = await sim.userSends({ waId: USER }, 'hi');
    const wamid = await botSends({ type: 'reaction', reaction: { message_id: userWamid, emoji: '❤️' } });
    await receiver.waitFor(() => receiver.statuses().length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.statuses()).toEqual([expect.objectContaining({ id: wamid, status: 'sent' })]);
  });

  it('honours statusDelays and read: false', async () => {
    await sim.close();
    sim = createSimulator({
      appSecret: SECRET,
      webhookUrl: receiver.url,
      statusDelays: { sent: 30, delivered: 30, read: false },
    });
    graph = `${(await sim.listen()).url}/v25.0/112233445566778/messages`;
    await sim.userSends({ waId: USER }, 'hi');
    const started = Date.now();
    await botSends({ type: 'text', text: { body: 'Hello' } });
    await receiver.waitFor(() => receiver.statuses().length === 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    await new Promise((r) => setTimeout(r, 60));
    expect(receiver.statuses().map((s) => s.status)).toEqual(['sent', 'delivered']);
  });
});

describe('status batching', () => {
  it('coalesces statuses gathered within the window into one webhook', async () => {
    await sim.close();
    sim = createSimulator({
      appSecret: SECRET,
      webhookUrl: receiver.url,
      statusDelays: { read: false },
      statusBatching: { windowMs: 40 },
    });
    graph = `${(await sim.listen()).url}/v25.0/112233445566778/messages`;
    await sim.userSends({ waId: USER }, 'hi');
    const ids = await Promise.all([1, 2, 3].map((n) => botSends({ type: 'text', text: { body: `m${n}` } })));
    await receiver.waitFor(() => receiver.statuses().length === 6);
    const statusHooks = receiver.received.filter((w) => valueOf(w).statuses);
    expect(statusHooks.length).toBeLessThanOrEqual(3);
    expect(statusHooks.some((w) => (valueOf(w).statuses as unknown[]).length >= 2)).toBe(true);
    expect(statusHooks.every((w) => w.signatureValid)).toBe(true);
    for (const id of ids) {
      expect(
        receiver
          .statuses()
          .filter((s) => s.id === id)
          .map((s) => s.status),
      ).toEqual(['sent', 'delivered']);
    }
  });
});

describe('waiting for the bot', () => {
  it('hands out each bot message once, in order, and notifies listeners', async () => {
    const seen: string[] = [];
    const stop = sim.onBotMessage((m) => seen.push(m.wamid));
    await sim.userSends({ waId: USER }, 'hi');
    const waiting = sim.waitForReplies(USER, 2, 2000);
    const a = await botSends({ type: 'text', text: { body: 'one' } });
    const b = await botSends({ type: 'text', text: { body: 'two' } });
    expect((await waiting).map((m) => m.wamid)).toEqual([a, b]);
    const c = await botSends({ type: 'text', text: { body: 'three' } });
    expect((await sim.waitForReplies(USER)).map((m) => m.wamid)).toEqual([c]);
    expect(seen).toEqual([a, b, c]);
    stop();
    await botSends({ type: 'text', text: { body: 'four' } });
    expect(seen).toHaveLength(3);
  });

  it('times out with a SimulatorError saying what arrived', async () => {
    await sim.userSends({ waId: USER }, 'hi');
    await botSends({ type: 'text', text: { body: 'only one' } });
    const error = await sim.waitForReplies(USER, 2, 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulatorError);
    expect((error as SimulatorError).code).toBe('timeout');
    expect((error as SimulatorError).message).toContain('got 1 (text)');
  });
});
