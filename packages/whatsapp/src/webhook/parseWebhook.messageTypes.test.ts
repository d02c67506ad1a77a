import { describe, expect, it } from 'vitest';
import { envelope, message, onlyMessage, PHONE, value } from './parseWebhookTestKit.js';

const oneMessage = (msg: Record<string, unknown>) =>
  onlyMessage(
    Buffer.from(
      envelope(value({ contacts: [{ profile: { name: 'Dana' }, wa_id: '15557654321' }], messages: [msg] })),
    ),
  );

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
