/* eslint-disable @typescript-eslint/no-explicit-any -- assertions read untyped Graph JSON */
import { describe, expect, it } from 'vitest';
import {
  base,
  buttons,
  list,
  send,
  sim,
  text,
  TOKEN,
  USER,
  useValidationSimulator,
} from './sendValidationTestKit.js';

useValidationSimulator();

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
