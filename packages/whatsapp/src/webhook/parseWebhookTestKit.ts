// Shared pieces of parseWebhook's tests: builders for webhook envelopes and messages, and parsers
// that fail the test when the payload does not parse as expected.
import { expect } from 'vitest';
import { parseWebhook } from './parseWebhook.js';

export const PHONE = '112233445566778';

/** Parses `raw`, throwing when it does not parse. */
export function parsed(raw: Buffer | string) {
  const result = parseWebhook(raw);
  if (!result.ok) throw new Error(`parse failed: ${result.error.message}`);
  return result;
}
/** The event of a payload holding exactly one user message. */
export function onlyMessage(raw: Buffer) {
  const { events } = parsed(raw);
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event?.kind !== 'message') throw new Error('expected a message');
  return event.event;
}
/** A WhatsApp Business Account webhook with one change of `field`. */
export const envelope = (value: unknown, field = 'messages') =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'waba', changes: [{ field, value }] }],
  });
/** A change value for business number {@link PHONE}. */
export const value = (extra: Record<string, unknown>) => ({
  messaging_product: 'whatsapp',
  metadata: { display_phone_number: '15550001234', phone_number_id: PHONE },
  ...extra,
});
/** A user message of `type` carrying `part` (its type-specific object). */
export const message = (
  type: string,
  part: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  from: '15557654321',
  id: `wamid.${type}`,
  timestamp: '1772442845',
  type,
  ...part,
  ...extra,
});
