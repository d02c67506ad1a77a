import { describe, expect, it } from 'vitest';
import { inboxRecordsFromWebhook } from './inboxRecordsFromWebhook.js';
import { parseWebhook, type ParsedWebhookEvent } from './parseWebhook.js';
import { envelope, message, parsed, value } from './parseWebhookTestKit.js';

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
