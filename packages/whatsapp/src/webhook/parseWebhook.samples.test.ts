import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { engineEventSchema, inboxRecordSchema } from '@parley/flow';
import { describe, expect, it } from 'vitest';
import { inboxRecordsFromWebhook } from './inboxRecordsFromWebhook.js';
import { onlyMessage, parsed, PHONE } from './parseWebhookTestKit.js';

const samplesDir = fileURLToPath(new URL('./samples/', import.meta.url));
const sample = (name: string): Buffer => readFileSync(`${samplesDir}${name}`);

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
