import type { SimulatedUser } from './conversationLog.js';

/** The business number a webhook is about. */
export interface BusinessNumber {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

const envelope = (business: BusinessNumber, value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: business.wabaId,
      changes: [
        {
          value: {
            messaging_product: 'whatsapp',
            metadata: {
              display_phone_number: business.displayPhoneNumber,
              phone_number_id: business.phoneNumberId,
            },
            ...value,
          },
          field: 'messages',
        },
      ],
    },
  ],
});

/** One inbound message with its sender, ready to go into a webhook. */
export interface InboundItem {
  user: SimulatedUser;
  message: Record<string, unknown>;
  wamid: string;
  timestampSeconds: number;
}

/**
 * The webhook for inbound messages, shaped like PROTOCOL.md §3: `from` and `wa_id` for a phone
 * user, `from_user_id` and `user_id` for a BSUID user (`from` is absent when there is no phone).
 * Several items make one batched value with one contact per user, as Meta sometimes sends.
 */
export function inboundMessagesPayload(
  business: BusinessNumber,
  items: InboundItem[],
): Record<string, unknown> {
  const contacts = new Map<SimulatedUser, Record<string, unknown>>();
  const messages = items.map(({ user, message, wamid, timestampSeconds }) => {
    if (!contacts.has(user)) {
      const contact: Record<string, unknown> = { profile: { name: user.name ?? 'Simulated User' } };
      if (user.waId) contact.wa_id = user.waId;
      if (user.bsuid) contact.user_id = user.bsuid;
      contacts.set(user, contact);
    }
    const wire: Record<string, unknown> = {};
    if (user.waId) wire.from = user.waId;
    if (user.bsuid) wire.from_user_id = user.bsuid;
    return Object.assign(wire, { id: wamid, timestamp: String(timestampSeconds) }, message);
  });
  return envelope(business, { contacts: [...contacts.values()], messages });
}

/** One `statuses[]` entry for a bot message, echoing `biz_opaque_callback_data`. */
export function statusEntry(status: {
  wamid: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestampSeconds: number;
  user: SimulatedUser;
  addressedByBsuid: boolean;
  callbackData?: string;
  template: boolean;
  errors?: Array<{ code: number; title: string; message: string; error_data: { details: string } }>;
}): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: status.wamid,
    status: status.status,
    timestamp: String(status.timestampSeconds),
  };
  // Meta omits recipient_id when the business addressed a BSUID.
  if (status.user.waId && !status.addressedByBsuid) entry.recipient_id = status.user.waId;
  if (status.user.bsuid) entry.recipient_user_id = status.user.bsuid;
  if (status.callbackData !== undefined) entry.biz_opaque_callback_data = status.callbackData;
  if (status.status === 'sent' || status.status === 'delivered') {
    entry.pricing = status.template
      ? { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' }
      : { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' };
  }
  if (status.errors) entry.errors = status.errors;
  return entry;
}

/** A status webhook carrying one or more status entries (Meta batches up to 1000). */
export function statusesPayload(
  business: BusinessNumber,
  entries: Record<string, unknown>[],
): Record<string, unknown> {
  return envelope(business, { statuses: entries });
}
