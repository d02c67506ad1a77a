import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody, toMetaJson, type RecordedMessage } from '@parley/simulator';

const APP_SECRET = 'e2e-app-secret';
import { startTestParley, type TestParley } from './startTestParley.js';

/** The parts of a Graph send body a test reads. */
interface GraphBody {
  type?: string;
  text?: { body?: string };
  interactive?: {
    type?: string;
    body?: { text?: string };
    action?: {
      buttons?: Array<{ reply: { title: string } }>;
      sections?: Array<{ rows: Array<{ title: string }> }>;
    };
  };
}

/** What the simulated phone shows for a bot message, in a form a test can compare. */
function shown(message: RecordedMessage): unknown {
  const p = message.payload as GraphBody;
  if (p.type === 'text') return { text: p.text?.body };
  if (p.type === 'interactive' && p.interactive?.type === 'button') {
    return {
      body: p.interactive.body?.text,
      buttons: p.interactive.action?.buttons?.map((b) => b.reply.title),
    };
  }
  if (p.type === 'interactive' && p.interactive?.type === 'list') {
    return {
      body: p.interactive.body?.text,
      list: p.interactive.action?.sections?.flatMap((s) => s.rows.map((r) => r.title)),
    };
  }
  return { type: p.type };
}

/** What the welcome flow answers to a tap on "Opening hours". */
const OPENING_HOURS_REPLIES = [
  { text: '🕑 We are open every day from 11:00 to 23:00.' },
  { text: 'Anything else? Just send me a message. 👋' },
];

/** The user taps "Opening hours" on the welcome flow's greeting; resolves with the bot's two replies. */
async function tapOpeningHours(parley: TestParley, user: { waId: string; name: string }) {
  await parley.simulator.userSends(
    user,
    { type: 'button_reply', title: 'Opening hours' },
    { phoneNumberId: parley.phoneNumberId },
  );
  return parley.simulator.waitForReplies(user.waId, 2, 10_000);
}

describe('end to end: simulator → /webhook → engine → Graph client → simulator', () => {
  describe('welcome flow', () => {
    let parley: TestParley;
    beforeAll(async () => {
      parley = await startTestParley({ BOT_FLOW: 'welcome', WHATSAPP_APP_SECRET: APP_SECRET });
    });
    afterAll(async () => parley?.stop());

    it('greets with three buttons and answers a tap with the menu', async () => {
      const sim = parley.simulator;
      const user = { waId: '31612340001', name: 'Ada' };
      const sent = await sim.userSends(user, 'hello', { phoneNumberId: parley.phoneNumberId });
      expect(sent.status).toBe(200);
      const [greeting] = await sim.waitForReplies(user.waId, 1, 10_000);
      expect(shown(greeting!)).toEqual({
        body: 'Hi Ada! 👋 Welcome to Parley Pizza. How can I help you today?',
        buttons: ['See the menu', 'Opening hours', 'Talk to a person'],
      });

      const replies = await tapOpeningHours(parley, user);
      expect(replies.map(shown)).toEqual(OPENING_HOURS_REPLIES);
    });

    it('answers a redelivered webhook once', async () => {
      const sim = parley.simulator;
      const waId = '31612340002';
      await sim.userSends({ waId, name: 'Bø' }, 'hi', { phoneNumberId: parley.phoneNumberId });
      await sim.waitForReplies(waId, 1, 10_000);
      const body = toMetaJson({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '210987654321098',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550001234', phone_number_id: parley.phoneNumberId },
                  contacts: [{ profile: { name: 'Bø' }, wa_id: waId }],
                  messages: [
                    {
                      from: waId,
                      id: 'wamid.redelivered-1',
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      type: 'text',
                      text: { body: '2' },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      const post = () =>
        fetch(`${parley.url}/webhook`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': signWebhookBody(body, APP_SECRET),
          },
          body,
        });
      const answers = await Promise.all([post(), post()]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect((await post()).status).toBe(200);
      const replies = await sim.waitForReplies(waId, 2, 10_000);
      expect(replies.map(shown)).toEqual([
        { text: '🕑 We are open every day from 11:00 to 23:00.' },
        { text: 'Anything else? Just send me a message. 👋' },
      ]);
      await new Promise((r) => setTimeout(r, 1_500));
      // The greeting and the two answers: the three copies of the webhook were handled once.
      expect(sim.conversation(waId).filter((m) => m.direction === 'bot')).toHaveLength(3);
    });

    it('refuses an unsigned webhook and stores nothing', async () => {
      const response = await fetch(`${parley.url}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
        body: '{"object":"whatsapp_business_account","entry":[]}',
      });
      expect(response.status).toBe(401);
    });
  });

  describe('pizza-order flow', () => {
    let parley: TestParley;
    beforeAll(async () => {
      parley = await startTestParley({ BOT_FLOW: 'pizza-order' });
    });
    afterAll(async () => parley?.stop());

    it('shows the pizzas as a list and takes an order', async () => {
      const sim = parley.simulator;
      const user = { waId: '31612340003', name: 'Cy' };
      const say = async (message: Parameters<typeof sim.userSends>[1], expected: number) => {
        await sim.userSends(user, message, { phoneNumberId: parley.phoneNumberId });
        return (await sim.waitForReplies(user.waId, expected, 10_000)).map(shown);
      };
      expect(await say('I would like to order a pizza', 1)).toEqual([
        {
          body: 'Which pizza would you like?',
          list: ['Margherita', 'Pepperoni', 'Hawaiian', 'Veggie', 'Four cheese'],
        },
      ]);
      expect(await say({ type: 'list_reply', title: 'Pepperoni' }, 1)).toEqual([
        { text: 'How many Pepperoni pizzas? (1–20)' },
      ]);
      expect(await say('two', 1)).toEqual([{ text: 'Please send a whole number from 1 to 20.' }]);
      expect(await say('2', 1)).toEqual([
        { text: 'Where should we deliver? Please send the street and number.' },
      ]);
      expect(await say('Damrak 1, Amsterdam', 2)).toEqual([
        { text: '*Your order*\n2 × Pepperoni\nDelivery: €3.50\nAddress: Damrak 1, Amsterdam' },
        { body: 'Shall I place this order?', buttons: ['Yes, order', 'No, cancel'] },
      ]);
      expect(await say({ type: 'button_reply', title: 'Yes, order' }, 1)).toEqual([
        { text: 'Thanks Cy! Your Pepperoni is in the oven. 🍕' },
      ]);
    });
  });

  describe('with GRAPH_SEND_THREAD=false (Graph requests on the event loop)', () => {
    let parley: TestParley;
    beforeAll(async () => {
      parley = await startTestParley({
        BOT_FLOW: 'welcome',
        WHATSAPP_APP_SECRET: APP_SECRET,
        GRAPH_SEND_THREAD: 'false',
      });
    });
    afterAll(async () => parley?.stop());

    it("holds the same conversation, and marks the user's messages read", async () => {
      const sim = parley.simulator;
      const user = { waId: '31612340009', name: 'Grace' };
      const readReceipts: string[] = [];
      const stop = sim.onActivity((activity) => {
        if (activity.kind === 'read' && activity.userId === user.waId) readReceipts.push(activity.wamid);
      });
      const { wamid } = await sim.userSends(user, 'hello', { phoneNumberId: parley.phoneNumberId });
      const [greeting] = await sim.waitForReplies(user.waId, 1, 10_000);
      expect(shown(greeting!)).toMatchObject({
        buttons: ['See the menu', 'Opening hours', 'Talk to a person'],
      });
      const replies = await tapOpeningHours(parley, user);
      expect(replies.map(shown)).toEqual(OPENING_HOURS_REPLIES);
      // The read receipts go out through the event loop's transport too.
      await expect.poll(() => readReceipts, { timeout: 5_000 }).toContain(wamid);
      stop();
    });
  });
});
