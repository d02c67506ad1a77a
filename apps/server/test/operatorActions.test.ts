import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, eventually, makeDataDir, startKitParley, textOf, type KitParley } from './serverTestKit.js';

const HOUR = 60 * 60 * 1000;

describe('operator actions through the API (sandbox bot, welcome flow)', () => {
  let parley: KitParley;
  let dataDir: string;
  let phoneNumberId: string;
  /** The server's clock runs `offset` ms ahead of the real one (to leave the 24-hour window). */
  let offset = 0;

  const conversation = async (id: string) =>
    (await callApi(parley.url, 'GET', `/api/conversations/${encodeURIComponent(id)}`)).json;
  const statusOf = async (id: string) => (await conversation(id)).conversation.status as string;
  const waitForStatus = (id: string, status: string) =>
    eventually(async () => ((await statusOf(id)) === status ? true : undefined), 10_000, `status ${status}`);
  const say = (waId: string, message: Parameters<KitParley['simulator']['userSends']>[1]) =>
    parley.simulator.userSends({ waId, name: 'Olu' }, message, { phoneNumberId });

  beforeAll(async () => {
    const dirs = await makeDataDir();
    dataDir = dirs.dataDir;
    parley = await startKitParley({
      ...dirs,
      env: { BOT_FLOW: 'welcome', LOG_LEVEL: 'warn' },
      clock: { now: () => Date.now() + offset },
    });
    const bots = await callApi(parley.url, 'GET', '/api/bots');
    phoneNumberId = bots.json.bots.find((b: { kind: string }) => b.kind === 'sandbox').phoneNumberId;
  });
  afterAll(async () => {
    await parley?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('hands off, delivers the operator message to the phone, and release resumes the flow', async () => {
    const waId = '31640000001';
    const id = `${phoneNumberId}:${waId}`;
    await say(waId, 'hello');
    await parley.simulator.waitForReplies(waId, 1, 10_000);

    expect((await callApi(parley.url, 'POST', `/api/conversations/${id}/handoff`)).status).toBe(202);
    await waitForStatus(id, 'handoff');

    // While a person has the conversation, the bot stays quiet.
    await say(waId, 'is anyone there?');
    const sent = await callApi(parley.url, 'POST', `/api/conversations/${id}/messages`, {
      body: { text: 'Hi Olu, this is Sam from the shop.' },
    });
    expect(sent.status).toBe(202);
    const [operatorReply] = await parley.simulator.waitForReplies(waId, 1, 10_000);
    expect(textOf(operatorReply!)).toBe('Hi Olu, this is Sam from the shop.');
    await new Promise((r) => setTimeout(r, 500));
    expect(parley.simulator.conversation(waId).filter((m) => m.direction === 'bot')).toHaveLength(2);
    // The transcript keeps it as the bot side's message (what the customer was sent).
    const transcript = (await conversation(id)).transcript as Array<{
      direction: string;
      outbound?: { text?: string };
    }>;
    expect(
      transcript.some(
        (e) => e.direction === 'out' && e.outbound?.text === 'Hi Olu, this is Sam from the shop.',
      ),
    ).toBe(true);

    expect((await callApi(parley.url, 'POST', `/api/conversations/${id}/release`)).status).toBe(202);
    await eventually(async () => ((await statusOf(id)) !== 'handoff' ? true : undefined));
    // Back with the bot: the greeting's buttons work again.
    await say(waId, { type: 'button_reply', title: 'Opening hours' });
    const replies = await parley.simulator.waitForReplies(waId, 2, 10_000);
    expect(replies.map(textOf)).toEqual([
      '🕑 We are open every day from 11:00 to 23:00.',
      'Anything else? Just send me a message. 👋',
    ]);
  }, 40_000);

  it('resumes a handoff node of the flow itself on release ("Talk to a person")', async () => {
    const waId = '31640000002';
    const id = `${phoneNumberId}:${waId}`;
    await say(waId, 'hello');
    await parley.simulator.waitForReplies(waId, 1, 10_000);
    await say(waId, { type: 'button_reply', title: 'Talk to a person' });
    const [connecting] = await parley.simulator.waitForReplies(waId, 1, 10_000);
    expect(textOf(connecting!)).toBe(
      'Connecting you with someone from our team. They will answer here shortly.',
    );
    await waitForStatus(id, 'handoff');
    expect((await callApi(parley.url, 'POST', `/api/conversations/${id}/release`)).status).toBe(202);
    const replies = await parley.simulator.waitForReplies(waId, 2, 10_000);
    expect(replies.map(textOf)).toEqual([
      'Thanks for waiting! Is there anything else? Just send a message.',
      'Anything else? Just send me a message. 👋',
    ]);
  }, 40_000);

  it('refuses an operator message outside the 24-hour window with 409 window.closed, and sends nothing', async () => {
    const waId = '31640000003';
    const id = `${phoneNumberId}:${waId}`;
    await say(waId, 'hello');
    await parley.simulator.waitForReplies(waId, 1, 10_000);
    offset = 25 * HOUR;
    try {
      const late = await callApi(parley.url, 'POST', `/api/conversations/${id}/messages`, {
        body: { text: 'Sorry for the late answer' },
      });
      expect(late.status).toBe(409);
      expect(late.json.error.code).toBe('window.closed');
      await new Promise((r) => setTimeout(r, 500));
      expect(parley.simulator.conversation(waId).filter((m) => m.direction === 'bot')).toHaveLength(1);
    } finally {
      offset = 0;
    }
  });

  it('answers 404 for an unknown conversation and 400 for an empty message', async () => {
    const unknown = await callApi(
      parley.url,
      'POST',
      `/api/conversations/${phoneNumberId}:31649999999/handoff`,
    );
    expect(unknown.status).toBe(404);
    const id = `${phoneNumberId}:31640000001`;
    const empty = await callApi(parley.url, 'POST', `/api/conversations/${id}/messages`, {
      body: { text: '' },
    });
    expect(empty.status).toBe(400);
    const anonymous = await callApi(parley.url, 'POST', `/api/conversations/${id}/handoff`, { token: null });
    expect(anonymous.status).toBe(401);
  });
});
