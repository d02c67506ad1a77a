import { outboundMessageSchema, type OutboundMessageInput } from '@parley/flow';
import { describe, expect, it } from 'vitest';
import { toGraphMessage } from './toGraphMessage.js';

const convert = (input: OutboundMessageInput) => toGraphMessage(outboundMessageSchema.parse(input));
const body = (input: OutboundMessageInput) => {
  const result = convert(input);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join(' '));
  return result.body;
};
const issues = (input: OutboundMessageInput) => {
  const result = convert(input);
  return result.ok ? [] : result.issues;
};

describe('toGraphMessage: Graph bodies', () => {
  it('text', () => {
    expect(body({ type: 'text', text: 'Hi', previewUrl: true })).toEqual({
      type: 'text',
      text: { body: 'Hi', preview_url: true },
    });
  });

  it('reply buttons with text header and footer', () => {
    expect(
      body({
        type: 'buttons',
        body: 'Pick one',
        header: 'Workshop',
        footer: 'Reply within 24h',
        buttons: [
          { id: 'change', title: 'Change' },
          { id: 'cancel', title: 'Cancel' },
        ],
      }),
    ).toEqual({
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Workshop' },
        body: { text: 'Pick one' },
        footer: { text: 'Reply within 24h' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'change', title: 'Change' } },
            { type: 'reply', reply: { id: 'cancel', title: 'Cancel' } },
          ],
        },
      },
    });
  });

  it('reply buttons with a media header', () => {
    const result = body({
      type: 'buttons',
      body: 'b',
      mediaHeader: { kind: 'image', link: 'https://example.com/a.png' },
      buttons: [{ id: 'a', title: 'A' }],
    });
    expect(result).toMatchObject({
      interactive: { header: { type: 'image', image: { link: 'https://example.com/a.png' } } },
    });
  });

  it('list', () => {
    expect(
      body({
        type: 'list',
        body: 'Which option?',
        header: 'Shipping',
        buttonLabel: 'Options',
        sections: [
          { title: 'Fast', rows: [{ id: 'express', title: 'Express', description: '1 day' }] },
          { title: 'Cheap', rows: [{ id: 'ground', title: 'Ground' }] },
        ],
      }),
    ).toEqual({
      type: 'interactive',
      interactive: {
        type: 'list',
        header: { type: 'text', text: 'Shipping' },
        body: { text: 'Which option?' },
        action: {
          button: 'Options',
          sections: [
            { title: 'Fast', rows: [{ id: 'express', title: 'Express', description: '1 day' }] },
            { title: 'Cheap', rows: [{ id: 'ground', title: 'Ground' }] },
          ],
        },
      },
    });
  });

  it('CTA URL', () => {
    expect(
      body({ type: 'cta_url', body: 'See dates', displayText: 'See dates', url: 'https://x.test/d' }),
    ).toEqual({
      type: 'interactive',
      interactive: {
        type: 'cta_url',
        body: { text: 'See dates' },
        action: { name: 'cta_url', parameters: { display_text: 'See dates', url: 'https://x.test/d' } },
      },
    });
  });

  it('media by id with caption, by link, document filename', () => {
    expect(body({ type: 'media', mediaKind: 'image', mediaId: '123', caption: 'Look' })).toEqual({
      type: 'image',
      image: { id: '123', caption: 'Look' },
    });
    expect(body({ type: 'media', mediaKind: 'audio', link: 'https://x.test/a.ogg' })).toEqual({
      type: 'audio',
      audio: { link: 'https://x.test/a.ogg' },
    });
    expect(body({ type: 'media', mediaKind: 'document', mediaId: '9', filename: 'invoice.pdf' })).toEqual({
      type: 'document',
      document: { id: '9', filename: 'invoice.pdf' },
    });
  });

  it('template with header, body parameters and raw button components', () => {
    expect(
      body({
        type: 'template',
        name: 'order_update',
        language: 'en_US',
        headerParams: ['Dana'],
        bodyParams: ['Dana', '4471'],
        components: [
          {
            type: 'button',
            sub_type: 'quick_reply',
            index: '0',
            parameters: [{ type: 'payload', payload: 'stop' }],
          },
        ],
      }),
    ).toEqual({
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [
          { type: 'header', parameters: [{ type: 'text', text: 'Dana' }] },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Dana' },
              { type: 'text', text: '4471' },
            ],
          },
          {
            type: 'button',
            sub_type: 'quick_reply',
            index: '0',
            parameters: [{ type: 'payload', payload: 'stop' }],
          },
        ],
      },
    });
    expect(body({ type: 'template', name: 'hello_world', language: 'en_US' })).toEqual({
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US' } },
    });
  });

  it('location, contacts, reaction (and removing one)', () => {
    expect(body({ type: 'location', latitude: -33.86, longitude: 151.2, name: 'Opera' })).toEqual({
      type: 'location',
      location: { latitude: -33.86, longitude: 151.2, name: 'Opera' },
    });
    const contacts = [{ name: { formatted_name: 'Ana' } }];
    expect(body({ type: 'contacts', contacts })).toEqual({ type: 'contacts', contacts });
    expect(body({ type: 'reaction', targetMessageId: 'wamid.1', emoji: '👍🏽' })).toEqual({
      type: 'reaction',
      reaction: { message_id: 'wamid.1', emoji: '👍🏽' },
    });
    expect(body({ type: 'reaction', targetMessageId: 'wamid.1', emoji: '' })).toMatchObject({
      type: 'reaction',
    });
  });
});

describe('toGraphMessage: WhatsApp limits re-checked', () => {
  it('a 4th button and a 21-character title, in words for a person', () => {
    const found = issues({
      type: 'buttons',
      body: 'b',
      buttons: [
        { id: '1', title: 'One' },
        { id: '2', title: 'Two' },
        { id: '3', title: 'Twenty-one characters' },
        { id: '4', title: 'Four' },
      ],
    });
    expect(found.map((i) => i.message)).toEqual([
      'The message has 4 buttons; WhatsApp allows 3.',
      "Button 3's title is 21 characters; WhatsApp allows 20.",
    ]);
    expect(found[1]?.path).toEqual(['buttons', 2, 'title']);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(issues({ type: 'buttons', body: 'b', buttons: [{ id: '1', title: '😀'.repeat(20) }] })).toEqual(
      [],
    );
  });

  it('duplicate button titles and ids', () => {
    const found = issues({
      type: 'buttons',
      body: 'b',
      buttons: [
        { id: 'a', title: 'Yes' },
        { id: 'a', title: 'yes' },
      ],
    });
    expect(found.map((i) => i.code)).toEqual(['duplicate', 'duplicate']);
  });

  it('text over 4096, caption over 1024 or on audio, neither link nor id', () => {
    expect(issues({ type: 'text', text: 'x'.repeat(4097) })[0]?.message).toBe(
      'The message text is 4097 characters; WhatsApp allows 4096.',
    );
    expect(
      issues({ type: 'media', mediaKind: 'image', mediaId: '1', caption: 'c'.repeat(1025) }),
    ).toHaveLength(1);
    expect(issues({ type: 'media', mediaKind: 'audio', mediaId: '1', caption: 'c' })[0]?.code).toBe(
      'not_allowed',
    );
    expect(issues({ type: 'media', mediaKind: 'image' })[0]?.code).toBe('missing');
    expect(issues({ type: 'media', mediaKind: 'image', mediaId: '1', link: 'https://x' })[0]?.code).toBe(
      'missing',
    );
  });

  it('list: 11 rows in all, missing section titles, long row fields', () => {
    const rows = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: `Row ${i}` }));
    const found = issues({
      type: 'list',
      body: 'b',
      buttonLabel: 'Options',
      sections: [
        { rows: rows(6, 'a') },
        {
          title: 'B',
          rows: [...rows(4, 'b'), { id: 'z', title: 't'.repeat(25), description: 'd'.repeat(73) }],
        },
      ],
    });
    expect(found.map((i) => i.code)).toEqual(['too_many', 'missing', 'too_long', 'too_long']);
    expect(found[0]?.message).toBe('The list has 11 rows; WhatsApp allows 10 in all.');
  });

  it('CTA: label over 20 and a link that is not a web address', () => {
    const found = issues({
      type: 'cta_url',
      body: 'b',
      displayText: 'x'.repeat(21),
      url: 'javascript:alert(1)',
    });
    expect(found.map((i) => i.code)).toEqual(['too_long', 'invalid_url']);
  });

  it('template parameters over their limits; location out of range; a reaction of two emoji', () => {
    expect(
      issues({
        type: 'template',
        name: 't',
        language: 'en',
        headerParams: ['h'.repeat(61)],
        bodyParams: ['b'.repeat(1025)],
      }),
    ).toHaveLength(2);
    expect(issues({ type: 'location', latitude: 91, longitude: 0 })[0]?.code).toBe('out_of_range');
    expect(issues({ type: 'reaction', targetMessageId: 'w', emoji: '👍👍' })[0]?.code).toBe('invalid');
  });
});
