import { describe, expect, it } from 'vitest';
import { buttons, list, send, sim, text, USER, useValidationSimulator } from './sendValidationTestKit.js';

useValidationSimulator();

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
