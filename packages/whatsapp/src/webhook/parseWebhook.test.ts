import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { engineEventSchema, inboxRecordSchema } from '@parley/flow';
import { describe, expect, it } from 'vitest';
import { inboxRecordsFromWebhook } from './inboxRecordsFromWebhook.js';
import { parseWebhook, type ParsedWebhookEvent } from './parseWebhook.js';

const samplesDir = fileURLToPath(new URL('./samples/', import.meta.url));
const sample = (name: string): Buffer => readFileSync(`${samplesDir}${name}`);
const PHONE = '112233445566778';

function parsed(raw: Buffer | string) {
  const result = parseWebhook(raw);
  if (!result.ok) throw new Error(`parse failed: ${result.error.message}`);
  return result;
}
function onlyMessage(raw: Buffer) {
  const { events } = parsed(raw);
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event?.kind !== 'message') throw new Error('expected a message');
  return event.event;
}
const envelope = (value: unknown, field = 'messages') =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'waba', changes: [{ field, value }] }],
  });
const value = (extra: Record<string, unknown>) => ({
  messaging_product: 'whatsapp',
  metadata: { display_phone_number: '15550001234', phone_number_id: PHONE },
  ...extra,
});
const message = (type: string, part: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  from: '15557654321',
  id: `wamid.${type}`,
  timestamp: '1772442845',
  type,
  ...part,
  ...extra,
});
const oneMessage = (msg: Record<string, unknown>) =>
  onlyMessage(
    Buffer.from(
      envelope(value({ contacts: [{ profile: { name: 'Dana' }, wa_id: '15557654321' }], messages: [msg] })),
    ),
  );

describe('parseWebhook on every sample payload (raw bytes)', () => {
  const files = readdirSync(samplesDir).filter((name) => name.endsWith('.json'));

  it('covers all twelve samples', () => {
    expect(files).toHaveLength(12);
  });

  it.each(files)('%s parses into schema-valid events and inbox records', (file) => {
    const result = parsed(sample(file));
    expect(result.events.length).toBeGreaterThan(0);
    for (const item of result.events) {
      if (item.kind !== 'error') expect(engineEventSchema.safeParse(item.event).success).toBe(true);
    }
    for (const record of inboxRecordsFromWebhook(result.events, 1000)) {
      expect(inboxRecordSchema.safeParse(record).success).toBe(true);
    }
  });

  it('text_message: key, contact, body, timestamp in ms', () => {
    const event = onlyMessage(sample('text_message.json'));
    expect(event.key).toEqual({ phoneNumberId: PHONE, userId: '15557654321' });
    expect(event.contact).toEqual({ waId: '15557654321', name: 'Dana Whitfield' });
    expect(event.message).toEqual({
      id: 'wamid.HBgLMTU1NTc2NTQzMjEVAgASGBQzQUYxQzJEM0U0RjVBNkI3QzhEOQA=',
      timestamp: 1772442845000,
      type: 'text',
      text: 'Hi! Do you deliver on Sundays?',
    });
  });

  it('text_reply_with_context: replyTo is the quoted business wamid', () => {
    const event = onlyMessage(sample('text_reply_with_context.json'));
    expect(event.message).toMatchObject({
      type: 'text',
      text: 'The 3pm slot works for me',
      replyTo: 'wamid.HBgLMTU1NTc2NTQzMjEVAgARGBQ1QzFEOUUwQTdCM0YyNDY4QUNFMQA=',
    });
  });

  it('interactive_button_reply → button_reply with id and title', () => {
    expect(onlyMessage(sample('interactive_button_reply.json')).message).toMatchObject({
      type: 'button_reply',
      buttonId: 'booking:confirm:8841',
      title: 'Confirm',
    });
  });

  it('interactive_list_reply → list_reply with description', () => {
    expect(onlyMessage(sample('interactive_list_reply.json')).message).toMatchObject({
      type: 'list_reply',
      rowId: 'size_medium',
      title: 'Medium box',
      description: 'Feeds two, ships next day',
    });
  });

  it('template_quick_reply_button → button_reply from a template, id = payload', () => {
    expect(onlyMessage(sample('template_quick_reply_button.json')).message).toMatchObject({
      type: 'button_reply',
      buttonId: 'promo_optout_v2',
      title: 'Stop promotions',
      fromTemplate: true,
    });
  });

  it('image_message: unescapes \\/ in the mime type and URL, keeps the non-ASCII name', () => {
    const event = onlyMessage(sample('image_message.json'));
    expect(event.contact.name).toBe('Tomás Ribeiro');
    expect(event.message).toMatchObject({
      type: 'media',
      mediaKind: 'image',
      mediaId: '1290348857261044',
      mimeType: 'image/jpeg',
      caption: 'Box arrived damaged, see corner',
      url: expect.stringMatching(/^https:\/\/lookaside\.fbsbx\.com\/whatsapp_business\/attachments\/\?mid=/),
    });
  });

  it('location_message: numeric coordinates', () => {
    expect(onlyMessage(sample('location_message.json')).message).toMatchObject({
      type: 'location',
      latitude: -33.8688197,
      longitude: 151.2092955,
      name: 'Town Hall Station',
    });
  });

  it('reaction_message: emoji decoded from a surrogate pair', () => {
    expect(onlyMessage(sample('reaction_message.json')).message).toMatchObject({
      type: 'reaction',
      emoji: '👍',
      targetMessageId: 'wamid.HBgLMTU1NTc2NTQzMjEVAgARGBQ1QzFEOUUwQTdCM0YyNDY4QUNFMQA=',
    });
  });

  it('unsupported_message: kind and errors kept', () => {
    expect(onlyMessage(sample('unsupported_message.json')).message).toMatchObject({
      type: 'unsupported',
      kind: 'poll_creation',
      errors: [{ code: 131051, title: 'Message type unknown' }],
    });
  });

  it('batch_two_users_two_messages: both users, each keyed by their own wa_id and contact', () => {
    const { events } = parsed(sample('batch_two_users_two_messages.json'));
    const messages = events.flatMap((e) => (e.kind === 'message' ? [e.event] : []));
    expect(messages.map((m) => [m.key.userId, m.contact.name])).toEqual([
      ['447700900123', 'Tomás Ribeiro'],
      ['15557654321', 'Dana Whitfield'],
    ]);
    expect(messages[0]?.message).toMatchObject({ text: 'Olá, any update on order #4471?' });
  });

  it('status_batch: three statuses with callback data, pricing and errors', () => {
    const { events } = parsed(sample('status_batch_delivered_read_failed.json'));
    const statuses = events.flatMap((e) => (e.kind === 'status' ? [e.event] : []));
    expect(statuses.map((s) => s.status)).toEqual(['delivered', 'read', 'failed']);
    expect(statuses[0]).toMatchObject({
      key: { phoneNumberId: PHONE, userId: '15557654321' },
      callbackData: 'flow=order_help;node=ask_size;turn=7',
      timestamp: 1772443441000,
      pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' },
    });
    expect(statuses[2]?.errors).toEqual([
      {
        code: 131047,
        title: 'Re-engagement message',
        message: 'Re-engagement message',
        details: 'Last reply from this user is older than 24 hours; a template is required.',
      },
    ]);
    const ids = inboxRecordsFromWebhook(events, 5).map((r) => r.id);
    expect(ids).toEqual([
      'status:wamid.HBgLMTU1NTc2NTQzMjEVAgARGBRCMUMyRDNFNEY1MDYxNzI4Mzk0QQA=:delivered',
      'status:wamid.HBgLMTU1NTc2NTQzMjEVAgARGBRCMUMyRDNFNEY1MDYxNzI4Mzk0QQA=:read',
      'status:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgUQzBGRkVFMTIzNEFCQ0Q1Njc4OTAA:failed',
    ]);
  });

  it('value_level_errors: reported as an error event, no inbox record', () => {
    const { events } = parsed(sample('value_level_errors.json'));
    expect(events).toEqual([
      {
        kind: 'error',
        wabaId: '210987654321098',
        displayPhoneNumber: '15550001234',
        phoneNumberId: PHONE,
        errors: [
          expect.objectContaining({ code: 130429, details: expect.stringContaining('Too many messages') }),
        ],
      },
    ]);
    expect(inboxRecordsFromWebhook(events, 1)).toEqual([]);
  });
});

describe('parseWebhook on every message type of the notes', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'audio',
      { audio: { id: 'a1', mime_type: 'audio/ogg; codecs=opus', voice: true } },
      { mediaKind: 'audio', voice: true },
    ],
    ['video', { video: { id: 'v1', caption: 'look' } }, { mediaKind: 'video', caption: 'look' }],
    [
      'document',
      { document: { id: 'd1', filename: 'invoice.pdf', mime_type: 'application/pdf' } },
      { mediaKind: 'document', filename: 'invoice.pdf' },
    ],
    ['sticker', { sticker: { id: 's1', animated: false } }, { mediaKind: 'sticker', animated: false }],
  ])('%s → media', (type, part, expected) => {
    expect(oneMessage(message(type, part)).message).toMatchObject({ type: 'media', ...expected });
  });

  it('contacts', () => {
    const contacts = [{ name: { formatted_name: 'Ana' }, phones: [{ phone: '+1 555', type: 'CELL' }] }];
    expect(oneMessage(message('contacts', { contacts })).message).toMatchObject({
      type: 'contacts',
      contacts,
    });
  });

  it('reaction removed: no emoji', () => {
    const msg = oneMessage(message('reaction', { reaction: { message_id: 'wamid.x' } })).message;
    expect(msg).toEqual(expect.objectContaining({ type: 'reaction', targetMessageId: 'wamid.x' }));
    expect(msg).not.toHaveProperty('emoji');
  });

  it('order with string prices', () => {
    const order = {
      catalog_id: 'cat',
      text: 'for Friday',
      product_items: [{ product_retailer_id: 'sku1', quantity: '2', item_price: '9.5', currency: 'EUR' }],
    };
    expect(oneMessage(message('order', { order })).message).toMatchObject({
      type: 'order',
      catalogId: 'cat',
      items: [{ productRetailerId: 'sku1', quantity: 2, itemPrice: 9.5, currency: 'EUR' }],
    });
  });

  it('system', () => {
    const system = { body: 'User changed number', type: 'customer_changed_number', wa_id: '1555' };
    expect(oneMessage(message('system', { system })).message).toMatchObject({
      type: 'system',
      systemType: 'customer_changed_number',
    });
  });

  it('legacy unknown type with errors → unsupported', () => {
    const msg = oneMessage(
      message('unknown', {}, { errors: [{ code: 131051, title: 'Unsupported' }] }),
    ).message;
    expect(msg).toMatchObject({ type: 'unsupported', errors: [{ code: 131051 }] });
  });

  it('nfm_reply → form_reply with parsed JSON', () => {
    const interactive = {
      type: 'nfm_reply',
      nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"t","size":"M"}' },
    };
    expect(oneMessage(message('interactive', { interactive })).message).toMatchObject({
      type: 'form_reply',
      response: { flow_token: 't', size: 'M' },
    });
  });

  it('referral and forwarded context are kept', () => {
    const referral = { source_type: 'ad', source_id: 'ad1', ctwa_clid: 'clid' };
    const msg = oneMessage(
      message('text', { text: { body: 'hi' } }, { referral, context: { forwarded: true } }),
    ).message;
    expect(msg).toMatchObject({ referral, forwarded: true });
  });

  it('keys by the BSUID when Meta sends one, keeps every id, phone absent', () => {
    const body = envelope(
      value({
        contacts: [
          {
            profile: { name: 'Ana', username: 'ana.s' },
            user_id: 'US.1349120865',
            parent_user_id: 'US.ENT.9',
          },
        ],
        messages: [
          { from_user_id: 'US.1349120865', id: 'wamid.b', timestamp: '1', type: 'text', text: { body: 'x' } },
        ],
      }),
    );
    const event = onlyMessage(Buffer.from(body));
    expect(event.key).toEqual({ phoneNumberId: PHONE, userId: 'US.1349120865' });
    expect(event.contact).toEqual({
      bsuid: 'US.1349120865',
      parentBsuid: 'US.ENT.9',
      name: 'Ana',
      username: 'ana.s',
    });
  });

  it('keys by the BSUID even when the phone number is also present; normalises a leading +', () => {
    const body = envelope(
      value({
        contacts: [{ wa_id: '15557654321', user_id: 'US.77' }],
        messages: [message('text', { text: { body: 'x' } }, { from: '+15557654321' })],
      }),
    );
    const event = onlyMessage(Buffer.from(body));
    expect(event.key.userId).toBe('US.77');
    expect(event.contact).toMatchObject({ waId: '15557654321', bsuid: 'US.77' });
  });
});

describe('parseWebhook leniency and failures', () => {
  it('malformed JSON is an invalid_json failure', () => {
    expect(parseWebhook(Buffer.from('{"object":'))).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'invalid_json' }),
    });
  });

  it('JSON that is not an envelope is invalid_envelope', () => {
    expect(parseWebhook('[1,2]')).toMatchObject({ ok: false, error: { code: 'invalid_envelope' } });
    expect(parseWebhook('{"object":"x","entry":"no"}')).toMatchObject({ ok: false });
  });

  it('other objects and fields are ignored, not errors', () => {
    expect(parseWebhook('{"object":"page","entry":[]}')).toEqual({
      ok: true,
      events: [],
      ignored: [{ reason: 'unhandled_object', detail: 'page' }],
    });
    const result = parsed(envelope({ event: 'THROUGHPUT_UPGRADE' }, 'phone_number_quality_update'));
    expect(result.ignored).toEqual([{ reason: 'unhandled_field', field: 'phone_number_quality_update' }]);
  });

  it('an unknown message type is ignored while its neighbours are kept', () => {
    const body = envelope(
      value({
        messages: [
          message('poll_vote_2030', { poll_vote_2030: {} }, { id: 'wamid.new' }),
          { nonsense: true },
          message('text', { text: { body: 'still here' } }),
          message('interactive', {
            interactive: { type: 'call_permission_reply', call_permission_reply: {} },
          }),
        ],
      }),
    );
    const result = parsed(body);
    expect(result.events).toHaveLength(1);
    expect(result.ignored.map((i) => [i.reason, i.detail])).toEqual([
      ['unknown_message_type', 'poll_vote_2030'],
      ['invalid_message', 'missing id, type or timestamp'],
      ['unknown_message_type', 'interactive.call_permission_reply'],
    ]);
  });

  it('extra unknown fields everywhere are tolerated', () => {
    const body = envelope({
      ...value({ brand_new: 1 }),
      messages: [message('text', { text: { body: 'x', future: true } }, { future_field: { a: 1 } })],
    });
    expect(parsed(body).events).toHaveLength(1);
  });

  it('an unknown status value and a status without a recipient are ignored', () => {
    const body = envelope(
      value({
        statuses: [
          { id: 'wamid.1', status: 'deleted', timestamp: '1', recipient_id: '1' },
          { id: 'wamid.2', status: 'sent', timestamp: '1' },
          { id: 'wamid.3', status: 'sent', timestamp: '1', recipient_user_id: 'US.5' },
        ],
      }),
    );
    const result = parsed(body);
    expect(result.events.map((e) => (e.kind === 'status' ? e.event.key.userId : null))).toEqual(['US.5']);
    expect(result.ignored.map((i) => i.reason)).toEqual(['unknown_status', 'no_user_id']);
  });

  it('handles several entries and changes, messages and statuses together', () => {
    const change = (phone: string, items: Record<string, unknown>) => ({
      field: 'messages',
      value: { messaging_product: 'whatsapp', metadata: { phone_number_id: phone }, ...items },
    });
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'w1',
          changes: [
            change('A', { messages: [message('text', { text: { body: '1' } }, { id: 'm1' })] }),
            change('B', { statuses: [{ id: 's1', status: 'sent', timestamp: '2', recipient_id: '9' }] }),
          ],
        },
        {
          id: 'w2',
          changes: [change('C', { messages: [message('text', { text: { body: '2' } }, { id: 'm2' })] })],
        },
      ],
    });
    const events: ParsedWebhookEvent[] = parsed(body).events;
    expect(
      events.map((e) => [e.kind, e.kind === 'error' ? '' : e.event.key.phoneNumberId, e.wabaId]),
    ).toEqual([
      ['message', 'A', 'w1'],
      ['status', 'B', 'w1'],
      ['message', 'C', 'w2'],
    ]);
  });

  it('an absurd timestamp makes the item invalid, not a crash or a bad record', () => {
    const body = envelope(
      value({ messages: [message('text', { text: { body: 'x' } }, { timestamp: 1e308 })] }),
    );
    expect(parsed(body).ignored.map((i) => i.reason)).toEqual(['invalid_message']);
  });

  it('orders each conversation’s records by timestamp, leaving other conversations in place', () => {
    const body = envelope(
      value({
        messages: [
          message('text', { text: { body: 'second' } }, { id: 'm2', timestamp: '20' }),
          message('text', { text: { body: 'other' } }, { id: 'o1', timestamp: '30', from: '447700900123' }),
          message('text', { text: { body: 'first' } }, { id: 'm1', timestamp: '10' }),
        ],
      }),
    );
    expect(inboxRecordsFromWebhook(parsed(body).events, 1).map((r) => r.id)).toEqual(['m1', 'o1', 'm2']);
  });

  it('duplicates inside one POST collapse to one inbox record', () => {
    const msg = message('text', { text: { body: 'x' } });
    const result = parsed(envelope(value({ messages: [msg, msg] })));
    expect(result.events).toHaveLength(2);
    expect(inboxRecordsFromWebhook(result.events, 1)).toHaveLength(1);
  });
});
