/* eslint-disable @typescript-eslint/no-explicit-any -- assertions read untyped Graph JSON */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Simulator } from './createSimulator.js';
import { sendAsBot, startPhoneSide, stopPhoneSide, USER, type TestReceiver } from './phoneSideTestKit.js';
import { firstMessage, valueOf } from './testReceiver.js';
import { UserMessageError } from './userMessage.js';

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

/** The message of the last inbound webhook (status webhooks interleave). */
const lastUser = () => firstMessage(receiver.received.filter((w) => valueOf(w).messages).at(-1));

const buttonMessage = {
  type: 'interactive',
  interactive: {
    type: 'button',
    body: { text: 'Size?' },
    action: {
      buttons: [
        { type: 'reply', reply: { id: 'size:s', title: 'Small' } },
        { type: 'reply', reply: { id: 'size:l', title: 'Large' } },
      ],
    },
  },
};

describe('userSends', () => {
  it('posts a signed, real-shaped text webhook and returns the webhook status', async () => {
    const { wamid, status } = await sim.userSends(
      { waId: USER, name: 'Tomás' },
      'Hi! Do you deliver on Sundays?',
    );
    expect(status).toBe(200);
    const hook = receiver.received[0];
    expect(hook?.signatureValid).toBe(true);
    expect(hook?.body).toMatchObject({
      object: 'whatsapp_business_account',
      entry: [{ id: '210987654321098', changes: [{ field: 'messages' }] }],
    });
    expect(valueOf(hook)).toMatchObject({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550001234', phone_number_id: '112233445566778' },
      contacts: [{ profile: { name: 'Tomás' }, wa_id: USER }],
    });
    expect(firstMessage(hook)).toEqual({
      from: USER,
      id: wamid,
      timestamp: '1772443330',
      type: 'text',
      text: { body: 'Hi! Do you deliver on Sundays?' },
    });
  });

  it('escapes "/" and non-ASCII like Meta and signs exactly those bytes', async () => {
    await sim.userSends({ waId: USER, name: 'Zoë' }, 'see https://x.io/a — café 😀');
    const hook = receiver.received[0];
    const raw = hook?.raw.toString('utf8') ?? '';
    expect(raw).toContain('https:\\/\\/x.io\\/a \\u2014 caf\\u00e9 \\ud83d\\ude00');
    expect(raw).toContain('Zo\\u00eb');
    expect(/^[\x20-\x7e]*$/.test(raw)).toBe(true);
    expect(hook?.signatureValid).toBe(true);
    // A receiver that re-serializes would compute a different body: the classic bug this catches.
    expect(JSON.stringify(JSON.parse(raw))).not.toBe(raw);
    expect(firstMessage(hook)).toMatchObject({ text: { body: 'see https://x.io/a — café 😀' } });
  });

  it("reports the server's answer, e.g. 401 for a wrong secret", async () => {
    receiver.state.status = () => 401;
    expect((await sim.userSends({ waId: USER }, 'x')).status).toBe(401);
  });

  it('reports 0 when the server cannot be reached', async () => {
    sim.setWebhookUrl('http://127.0.0.1:1/webhook');
    expect((await sim.userSends({ waId: USER }, 'x')).status).toBe(0);
  });

  it('taps a button by title, with the id and context of the bot message', async () => {
    await sim.userSends({ waId: USER }, 'order');
    const botWamid = await botSends(buttonMessage);
    await sim.userSends({ waId: USER }, { type: 'button_reply', title: 'Large' });
    expect(lastUser()).toMatchObject({
      type: 'interactive',
      context: { from: '15550001234', id: botWamid },
      interactive: { type: 'button_reply', button_reply: { id: 'size:l', title: 'Large' } },
    });
  });

  it('refuses a title the bot never offered, naming what was offered', async () => {
    await sim.userSends({ waId: USER }, 'order');
    await botSends(buttonMessage);
    await expect(sim.userSends({ waId: USER }, { type: 'button_reply', title: 'Medium' })).rejects.toThrow(
      UserMessageError,
    );
    await expect(sim.userSends({ waId: USER }, { type: 'button_reply', title: 'Medium' })).rejects.toThrow(
      '"Small", "Large"',
    );
  });

  it('picks a list row by title, carrying its description', async () => {
    await sim.userSends({ waId: USER }, 'ship');
    const botWamid = await botSends({
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: 'Which?' },
        action: {
          button: 'Options',
          sections: [{ title: 'Fast', rows: [{ id: 'express', title: 'Express', description: '1 day' }] }],
        },
      },
    });
    await sim.userSends({ waId: USER }, { type: 'list_reply', title: 'Express' });
    expect(lastUser()).toMatchObject({
      context: { id: botWamid },
      interactive: {
        type: 'list_reply',
        list_reply: { id: 'express', title: 'Express', description: '1 day' },
      },
    });
  });

  it('builds every other message kind', async () => {
    await sim.userSends({ waId: USER }, 'start');
    const templateWamid = await botSends({
      type: 'template',
      template: { name: 'promo', language: { code: 'en' } },
    });
    await sim.userSends(
      { waId: USER },
      { type: 'template_button', text: 'Stop promotions', payload: 'promo_optout' },
    );
    expect(lastUser()).toMatchObject({
      type: 'button',
      context: { id: templateWamid },
      button: { payload: 'promo_optout', text: 'Stop promotions' },
    });

    await sim.userSends(
      { waId: USER },
      { type: 'image', caption: 'damaged box', data: new Uint8Array([1, 2, 3]) },
    );
    const image = lastUser();
    expect(image).toMatchObject({
      type: 'image',
      image: {
        caption: 'damaged box',
        mime_type: 'image/jpeg',
        id: expect.any(String),
        sha256: expect.any(String),
      },
    });

    await sim.userSends({ waId: USER }, { type: 'audio', voice: true });
    expect(lastUser()).toMatchObject({
      type: 'audio',
      audio: { voice: true, mime_type: 'audio/ogg; codecs=opus' },
    });
    await sim.userSends({ waId: USER }, { type: 'document', filename: 'invoice.pdf' });
    expect(lastUser()).toMatchObject({ type: 'document', document: { filename: 'invoice.pdf' } });
    await sim.userSends({ waId: USER }, { type: 'video' });
    expect(lastUser()).toMatchObject({ type: 'video', video: { mime_type: 'video/mp4' } });
    await sim.userSends({ waId: USER }, { type: 'sticker', animated: true });
    expect(lastUser()).toMatchObject({
      type: 'sticker',
      sticker: { animated: true, mime_type: 'image/webp' },
    });

    await sim.userSends(
      { waId: USER },
      { type: 'location', latitude: 51.5, longitude: -0.12, name: 'Office' },
    );
    expect(lastUser()).toMatchObject({
      type: 'location',
      location: { latitude: 51.5, longitude: -0.12, name: 'Office' },
    });

    await sim.userSends(
      { waId: USER },
      { type: 'contacts', contacts: [{ name: { formatted_name: 'Ana' } }] },
    );
    expect(lastUser()).toMatchObject({ type: 'contacts', contacts: [{ name: { formatted_name: 'Ana' } }] });

    await sim.userSends({ waId: USER }, { type: 'reaction', emoji: '👍' });
    expect(lastUser()).toMatchObject({
      type: 'reaction',
      reaction: { message_id: templateWamid, emoji: '👍' },
    });
    await sim.userSends({ waId: USER }, { type: 'reaction', to: templateWamid });
    expect(lastUser().reaction).toEqual({ message_id: templateWamid });

    await sim.userSends({ waId: USER }, { type: 'unsupported', kind: 'poll_creation' });
    expect(lastUser()).toMatchObject({
      type: 'unsupported',
      unsupported: { type: 'poll_creation' },
      errors: [{ code: 131051 }],
    });

    await sim.userSends({ waId: USER }, { type: 'text', text: 'quoting', replyTo: templateWamid });
    expect(lastUser()).toMatchObject({ context: { from: '15550001234', id: templateWamid } });
    expect(receiver.received.every((w) => w.signatureValid)).toBe(true);
  });

  it("batches several users' messages into one webhook, with out-of-order timestamps when asked", async () => {
    const { wamids, status } = await sim.userSendsBatch([
      { user: { waId: USER, name: 'A' }, message: 'second', at: 1_772_443_340_000 },
      { user: { waId: '61491570156', name: 'B' }, message: 'other user' },
      { user: { waId: USER }, message: 'first', at: 1_772_443_300_000 },
    ]);
    expect(status).toBe(200);
    expect(receiver.received).toHaveLength(1);
    const value = valueOf(receiver.received[0]);
    expect(value.contacts).toEqual([
      { profile: { name: 'A' }, wa_id: USER },
      { profile: { name: 'B' }, wa_id: '61491570156' },
    ]);
    expect(
      (value.messages as Array<Record<string, unknown>>).map((m) => [m.id, m.from, m.timestamp]),
    ).toEqual([
      [wamids[0], USER, '1772443340'],
      [wamids[1], '61491570156', '1772443330'],
      [wamids[2], USER, '1772443300'],
    ]);
    expect(sim.conversation(USER)).toHaveLength(2);
  });

  it('refuses a reaction when there is nothing to react to', async () => {
    await expect(sim.userSends({ waId: '15550009999' }, { type: 'reaction', emoji: '👍' })).rejects.toThrow(
      'Nothing to react to',
    );
  });
});

describe('BSUID users', () => {
  it('sends from_user_id and user_id, and omits from when there is no phone', async () => {
    await sim.userSends({ bsuid: 'US.13491208655302741918', name: 'Kai' }, 'hello');
    const hook = receiver.received[0];
    expect(valueOf(hook).contacts).toEqual([
      { profile: { name: 'Kai' }, user_id: 'US.13491208655302741918' },
    ]);
    const message = firstMessage(hook);
    expect(message.from).toBeUndefined();
    expect(message.from_user_id).toBe('US.13491208655302741918');
  });

  it('carries both ids when the user has both, and answers a send addressed by BSUID', async () => {
    await sim.userSends({ waId: USER, bsuid: 'GB.998877', name: 'Both' }, 'hi');
    expect(firstMessage(receiver.received[0])).toMatchObject({ from: USER, from_user_id: 'GB.998877' });
    const res = await fetch(graph, {
      method: 'POST',
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        recipient: 'GB.998877',
        type: 'text',
        text: { body: 'Hello' },
      }),
    });
    const json = (await res.json()) as { contacts: unknown[]; messages: Array<{ id: string }> };
    expect(json.contacts).toEqual([{ input: 'GB.998877', wa_id: USER, user_id: 'GB.998877' }]);
    await receiver.waitFor(() => receiver.statuses().length === 3);
    const sent = receiver.statuses()[0];
    expect(sent).toMatchObject({ id: json.messages[0]?.id, recipient_user_id: 'GB.998877' });
    expect(sent?.recipient_id).toBeUndefined();
    expect(sim.conversation('GB.998877')).toEqual(sim.conversation(USER));
    expect(sim.conversation(`+${USER}`)).toHaveLength(2);
  });

  it('refuses a send to an unknown BSUID with 131026', async () => {
    const res = await fetch(graph, {
      method: 'POST',
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        recipient: 'US.000',
        type: 'text',
        text: { body: 'x' },
      }),
    });
    expect(((await res.json()) as any).error.code).toBe(131026);
  });
});
