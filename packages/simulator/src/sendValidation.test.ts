/* eslint-disable @typescript-eslint/no-explicit-any -- assertions read untyped Graph JSON */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from './createSimulator.js';
import { startTestReceiver } from './testReceiver.js';

const SECRET = 'validation-secret';
const TOKEN = 'EAAG-test-token';
const USER = '15557654321';
let sim: Simulator;
let receiver: Awaited<ReturnType<typeof startTestReceiver>>;
let base: string;

beforeAll(async () => {
  receiver = await startTestReceiver(SECRET);
  sim = createSimulator({
    appSecret: SECRET,
    webhookUrl: receiver.url,
    accessToken: TOKEN,
    statusDelays: { read: false },
  });
  base = `${(await sim.listen()).url}/v25.0/112233445566778`;
  await sim.userSends({ waId: USER, name: 'Dana' }, 'hello');
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

async function send(body: unknown, token = TOKEN, path = '/messages') {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

const buttons = (n: number, title = (i: number) => `Option ${i}`) => ({
  messaging_product: 'whatsapp',
  to: USER,
  type: 'interactive',
  interactive: {
    type: 'button',
    body: { text: 'Pick one' },
    action: {
      buttons: Array.from({ length: n }, (_, i) => ({
        type: 'reply',
        reply: { id: `b${i}`, title: title(i) },
      })),
    },
  },
});

const list = (
  sections: Array<{ title?: string; rows: number }>,
  patch: (row: any, i: number) => void = () => undefined,
) => {
  let n = 0;
  return {
    messaging_product: 'whatsapp',
    to: USER,
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: 'Which?' },
      action: {
        button: 'Options',
        sections: sections.map((s) => ({
          ...(s.title ? { title: s.title } : {}),
          rows: Array.from({ length: s.rows }, () => {
            const row = { id: `r${n}`, title: `Row ${n}` };
            patch(row, n++);
            return row;
          }),
        })),
      },
    },
  };
};

const text = (body: unknown, extra: Record<string, unknown> = {}) => ({
  messaging_product: 'whatsapp',
  to: USER,
  type: 'text',
  text: { body },
  ...extra,
});

describe('successful sends', () => {
  it("answers a valid text with Meta's response shape and a fresh wamid, and records it", async () => {
    const first = await send(text('Hi there'));
    const second = await send(text('Again', { to: `+${USER}` }));
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: USER, wa_id: USER }],
      messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]+$/) }],
    });
    expect(second.json.contacts[0]).toEqual({ input: `+${USER}`, wa_id: USER });
    expect(second.json.messages[0].id).not.toBe(first.json.messages[0].id);
    const bot = sim.conversation(USER).filter((m) => m.direction === 'bot');
    expect(bot.map((m) => m.wamid)).toEqual(
      expect.arrayContaining([first.json.messages[0].id, second.json.messages[0].id]),
    );
  });

  it.each([
    ['3 buttons with 20-character titles', buttons(3, (i) => `${'x'.repeat(19)}${i}`)],
    [
      'a list with 10 rows over 2 titled sections',
      list([
        { title: 'A', rows: 5 },
        { title: 'B', rows: 5 },
      ]),
    ],
    [
      'an image by link with a caption',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'image',
        image: { link: 'https://example.com/a.jpg', caption: 'c'.repeat(1024) },
      },
    ],
    [
      'a document by id',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'document',
        document: { id: '123', filename: 'a.pdf' },
      },
    ],
    [
      'a location',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'location',
        location: { latitude: -33.8, longitude: 151.2, name: 'Office' },
      },
    ],
    [
      'a contact card',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'contacts',
        contacts: [{ name: { formatted_name: 'Ana' }, phones: [{ phone: '+1555' }] }],
      },
    ],
    [
      'a cta_url',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          body: { text: 'See' },
          action: { name: 'cta_url', parameters: { display_text: 'See dates', url: 'https://example.com' } },
        },
      },
    ],
    [
      'a template',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'template',
        template: {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [
            { type: 'body', parameters: [{ type: 'text', text: 'Dana' }] },
            {
              type: 'button',
              sub_type: 'quick_reply',
              index: '0',
              parameters: [{ type: 'payload', payload: 'stop' }],
            },
          ],
        },
      },
    ],
    [
      'a text without type (Graph defaults to text)',
      { messaging_product: 'whatsapp', to: USER, text: { body: 'x' } },
    ],
    ['a 4096-character text', text('t'.repeat(4096))],
    ['a 512-character callback', text('x', { biz_opaque_callback_data: 'c'.repeat(512) })],
  ])('accepts %s', async (_name, body) => {
    const res = await send(body);
    expect(res.json).toMatchObject({ messaging_product: 'whatsapp' });
    expect(res.status).toBe(200);
  });
});

describe("rejections with Graph's envelope and code", () => {
  it('rejects a 4th button with 131009 and the full envelope', async () => {
    const res = await send(buttons(4));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: {
        message: '(#131009) Parameter value is not valid',
        type: 'OAuthException',
        code: 131009,
        error_data: {
          messaging_product: 'whatsapp',
          details: expect.stringContaining(
            'interactive.action.buttons has 4 items; WhatsApp allows at most 3',
          ),
        },
        fbtrace_id: expect.stringMatching(/^[A-Za-z0-9_-]{8,}$/),
      },
    });
  });

  const big = (n: number) => 'x'.repeat(n);
  const dupButtons = buttons(2, () => 'Same');
  const cases: Array<[string, unknown, number, string]> = [
    [
      'a 21-character button title',
      buttons(1, () => big(21)),
      131009,
      'interactive.action.buttons[0].reply.title is 21 characters; WhatsApp allows at most 20',
    ],
    ['an empty text body', text(''), 100, 'text.body is required'],
    [
      'a missing text object',
      { messaging_product: 'whatsapp', to: USER, type: 'text' },
      100,
      'The parameter text is required',
    ],
    ['a text body over 4096', text(big(4097)), 131009, 'text.body is 4097 characters'],
    ['zero buttons', buttons(0), 131009, 'needs at least 1'],
    ['duplicate button titles', dupButtons, 131009, 'Button title "Same" is used twice'],
    [
      'a button id with a trailing space',
      {
        ...buttons(1),
        interactive: {
          ...buttons(1).interactive,
          action: { buttons: [{ type: 'reply', reply: { id: 'x ', title: 'X' } }] },
        },
      },
      131009,
      'spaces',
    ],
    [
      'an empty interactive body',
      { ...buttons(1), interactive: { ...buttons(1).interactive, body: { text: '' } } },
      100,
      'interactive.body.text',
    ],
    [
      'a header over 60',
      { ...buttons(1), interactive: { ...buttons(1).interactive, header: { type: 'text', text: big(61) } } },
      131009,
      'interactive.header',
    ],
    [
      'a footer over 60',
      { ...buttons(1), interactive: { ...buttons(1).interactive, footer: { text: big(61) } } },
      131009,
      'interactive.footer.text is 61',
    ],
    [
      '11 list rows in total',
      list([
        { title: 'A', rows: 6 },
        { title: 'B', rows: 5 },
      ]),
      131009,
      '11 rows in total',
    ],
    [
      '11 list sections',
      list(Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: 1 }))),
      131009,
      'sections has 11 items',
    ],
    [
      'a 25-character row title',
      list([{ rows: 1 }], (row) => (row.title = big(25))),
      131009,
      'rows[0].title is 25 characters',
    ],
    [
      'a 73-character row description',
      list([{ rows: 1 }], (row) => (row.description = big(73))),
      131009,
      'description is 73',
    ],
    ['duplicate row ids', list([{ rows: 2 }], (row) => (row.id = 'same')), 131009, 'Row id "same"'],
    ['untitled sections when there are two', list([{ rows: 1 }, { rows: 1 }]), 131009, 'needs a title'],
    [
      'a 21-character list button',
      (() => {
        const l = list([{ rows: 1 }]);
        (l.interactive.action as any).button = big(21);
        return l;
      })(),
      131009,
      'action.button is 21',
    ],
    [
      'a 1025-character caption',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'image',
        image: { link: 'https://e.com/a.jpg', caption: big(1025) },
      },
      131009,
      'image.caption is 1025',
    ],
    [
      'an image with both id and link',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'image',
        image: { id: '1', link: 'https://e.com/a.jpg' },
      },
      100,
      'Exactly one of id or link',
    ],
    [
      'a caption on audio',
      { messaging_product: 'whatsapp', to: USER, type: 'audio', audio: { id: '1', caption: 'no' } },
      100,
      'audio.caption',
    ],
    [
      'a 21-character CTA text',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          body: { text: 'b' },
          action: { name: 'cta_url', parameters: { display_text: big(21), url: 'https://e.com' } },
        },
      },
      131009,
      'display_text is 21',
    ],
    [
      'a 513-character callback',
      text('x', { biz_opaque_callback_data: big(513) }),
      131009,
      'biz_opaque_callback_data is 513',
    ],
    [
      'a 61-character template header parameter',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'template',
        template: {
          name: 't',
          language: { code: 'en' },
          components: [{ type: 'header', parameters: [{ type: 'text', text: big(61) }] }],
        },
      },
      131009,
      'header parameter is 61',
    ],
    [
      'a missing messaging_product',
      { to: USER, type: 'text', text: { body: 'x' } },
      100,
      'messaging_product',
    ],
    [
      'a missing recipient',
      { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } },
      100,
      'to is required',
    ],
    ['a malformed recipient', text('x', { to: 'not-a-number' }), 100, 'Param to'],
    [
      'an unknown type',
      { messaging_product: 'whatsapp', to: USER, type: 'hologram', hologram: {} },
      100,
      'type',
    ],
    [
      'an unknown interactive type',
      { messaging_product: 'whatsapp', to: USER, type: 'interactive', interactive: { type: 'carousel3d' } },
      100,
      'interactive.type',
    ],
    [
      'two emoji in one reaction',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'reaction',
        reaction: { message_id: 'wamid.x', emoji: '👍👍' },
      },
      131009,
      'single emoji',
    ],
    [
      'a reaction to an unknown message',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'reaction',
        reaction: { message_id: 'wamid.nope', emoji: '👍' },
      },
      131009,
      'not a message in this chat',
    ],
    [
      '258 contacts',
      {
        messaging_product: 'whatsapp',
        to: USER,
        type: 'contacts',
        contacts: Array.from({ length: 258 }, () => ({ name: { formatted_name: 'A' } })),
      },
      131009,
      'contacts has 258 items',
    ],
  ];

  it.each(cases)('rejects %s', async (_name, body, code, details) => {
    const before = sim.conversation(USER).length;
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message).toMatch(new RegExp(`^\\(#${code}\\) `));
    expect(res.json.error.error_data.details).toContain(details);
    expect(sim.conversation(USER)).toHaveLength(before);
  });

  it('rejects invalid JSON with 100', async () => {
    const res = await fetch(`${base}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe(100);
  });

  it('rejects a phone number id it does not host', async () => {
    const res = await fetch(`${base.replace('112233445566778', '999')}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(text('x')),
    });
    const json = (await res.json()) as any;
    expect(json.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('answers 401 with OAuth code 190 for a wrong or missing token', async () => {
    const wrong = await send(text('x'), 'wrong');
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatchObject({ code: 190, type: 'OAuthException' });
    const missing = await fetch(`${base}/messages`, { method: 'POST', body: JSON.stringify(text('x')) });
    expect(missing.status).toBe(401);
  });
});

describe('mark read and typing', () => {
  it('marks a user message (and the earlier ones) read, with typing', async () => {
    const { wamid } = await sim.userSends({ waId: USER }, 'second');
    const res = await send({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
      typing_indicator: { type: 'text' },
    });
    expect(res).toEqual({ status: 200, json: { success: true } });
    const inbound = sim.conversation(USER).filter((m) => m.direction === 'user');
    expect(inbound.every((m) => m.markedRead)).toBe(true);
    expect(inbound.at(-1)?.typing).toBe(true);
    expect(sim.stats().typing).toBeGreaterThanOrEqual(1);
  });

  it('rejects an unknown message id and a wrong typing type, counted apart from sends', async () => {
    const before = sim.stats();
    expect(
      (await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.unknown' })).json.error
        .code,
    ).toBe(100);
    const { wamid } = await sim.userSends({ waId: USER }, 'third');
    const res = await send({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
      typing_indicator: { type: 'audio' },
    });
    expect(res.json.error.code).toBe(100);
    const after = sim.stats();
    expect((after.rejectedReadReceipts['100'] ?? 0) - (before.rejectedReadReceipts['100'] ?? 0)).toBe(2);
    expect(after.rejected).toEqual(before.rejected);
  });
});
