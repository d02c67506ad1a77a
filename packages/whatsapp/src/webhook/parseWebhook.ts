import {
  deliveryStatusSchema,
  type ChannelError,
  type ContactIdentity,
  type EngineEvent,
} from '@parley/flow';
import { toChannelErrors, toInboundMessage } from './toInboundMessage.js';
import {
  webhookContactSchema,
  webhookEnvelopeSchema,
  webhookErrorSchema,
  webhookMessageBaseSchema,
  webhookStatusSchema,
  webhookValueSchema,
  type WebhookContact,
} from './webhookSchema.js';

export type UserMessageEvent = Extract<EngineEvent, { type: 'user.message' }>;
export type MessageStatusEvent = Extract<EngineEvent, { type: 'message.status' }>;

/** Where an event came from in the envelope, for logs and routing. */
export interface WebhookOrigin {
  /** `entry[].id`: the WhatsApp Business Account id (not the phone number id). */
  wabaId?: string;
  displayPhoneNumber?: string;
}

/** One thing a webhook POST told us. */
export type ParsedWebhookEvent =
  | ({ kind: 'message'; event: UserMessageEvent } & WebhookOrigin)
  | ({
      kind: 'status';
      event: MessageStatusEvent;
      /** The `conversation` object (v23 and lower, or free entry point windows), kept as sent. */
      conversation?: Record<string, unknown>;
    } & WebhookOrigin)
  /** `value.errors[]`: account- or app-level problems not tied to one message. */
  | ({ kind: 'error'; phoneNumberId: string; errors: ChannelError[] } & WebhookOrigin);

/** Something in a valid envelope that Parley left out on purpose; logged, answered 200. */
export interface IgnoredItem {
  reason:
    | 'unhandled_object'
    | 'unhandled_field'
    | 'invalid_value'
    | 'invalid_contact'
    | 'invalid_message'
    | 'unknown_message_type'
    | 'group_message'
    | 'no_user_id'
    | 'invalid_status'
    | 'unknown_status'
    | 'invalid_error';
  field?: string;
  /** A short, content-free hint (a type name, a path): safe to log. */
  detail?: string;
}

export type ParseWebhookResult =
  | { ok: true; events: ParsedWebhookEvent[]; ignored: IgnoredItem[] }
  | { ok: false; error: { code: 'invalid_json' | 'invalid_envelope'; message: string } };

/** Finds the contact entry of a message's sender: by BSUID, else by wa_id. Never by index. */
function findContact(
  contacts: readonly WebhookContact[],
  from: string | undefined,
  fromUserId: string | undefined,
): WebhookContact | undefined {
  return (
    (fromUserId !== undefined ? contacts.find((c) => c.user_id === fromUserId) : undefined) ??
    (from !== undefined ? contacts.find((c) => normalizePhone(c.wa_id) === normalizePhone(from)) : undefined)
  );
}

/** The identity the conversation is keyed by, plus every id we were given. */
function identityOf(
  contact: WebhookContact | undefined,
  from: string | undefined,
  fromUserId: string | undefined,
  fromParentUserId: string | undefined,
): ContactIdentity {
  const waId = normalizePhone(from ?? contact?.wa_id);
  const bsuid = fromUserId ?? contact?.user_id;
  const parentBsuid = fromParentUserId ?? contact?.parent_user_id;
  const name = contact?.profile?.name;
  const username = contact?.profile?.username;
  return {
    ...(waId !== undefined && { waId }),
    ...(bsuid !== undefined && { bsuid }),
    ...(parentBsuid !== undefined && { parentBsuid }),
    ...(name !== undefined && { name }),
    ...(username !== undefined && { username }),
  };
}

/** Meta sends digits; one doc table shows a leading `+`. One spelling keeps one conversation key. */
function normalizePhone(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.startsWith('+') ? value.slice(1) : value;
}

/**
 * Parses a verified webhook body into typed events. Handles every entry, change, message, status
 * and value-level error of the batch; anything Parley does not handle is listed in `ignored`.
 * Fails only when the body is not JSON or not an envelope at all.
 * @example const parsed = parseWebhook(rawBody); if (parsed.ok) for (const e of parsed.events) …
 */
export function parseWebhook(rawBody: Buffer | string): ParseWebhookResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    return { ok: false, error: { code: 'invalid_json', message: 'The body is not valid JSON.' } };
  }
  const envelope = webhookEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    return {
      ok: false,
      error: { code: 'invalid_envelope', message: 'The body is JSON but not a webhook envelope.' },
    };
  }
  const events: ParsedWebhookEvent[] = [];
  const ignored: IgnoredItem[] = [];
  if (envelope.data.object !== 'whatsapp_business_account') {
    ignored.push({ reason: 'unhandled_object', detail: envelope.data.object.slice(0, 64) });
    return { ok: true, events, ignored };
  }

  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') {
        ignored.push({ reason: 'unhandled_field', field: change.field });
        continue;
      }
      const value = webhookValueSchema.safeParse(change.value);
      if (!value.success) {
        ignored.push({ reason: 'invalid_value', field: change.field });
        continue;
      }
      const phoneNumberId = value.data.metadata.phone_number_id;
      const origin: WebhookOrigin = {
        ...(entry.id !== undefined && { wabaId: entry.id }),
        ...(value.data.metadata.display_phone_number !== undefined && {
          displayPhoneNumber: value.data.metadata.display_phone_number,
        }),
      };
      const contacts: WebhookContact[] = [];
      for (const raw of value.data.contacts ?? []) {
        const contact = webhookContactSchema.safeParse(raw);
        if (contact.success) contacts.push(contact.data);
        else ignored.push({ reason: 'invalid_contact', field: change.field });
      }

      for (const raw of value.data.messages ?? []) {
        const base = webhookMessageBaseSchema.safeParse(raw);
        if (!base.success) {
          ignored.push({
            reason: 'invalid_message',
            field: change.field,
            detail: 'missing id, type or timestamp',
          });
          continue;
        }
        if (base.data.group_id !== undefined) {
          ignored.push({ reason: 'group_message', field: change.field, detail: base.data.type });
          continue;
        }
        const { from, from_user_id: fromUserId, from_parent_user_id: fromParentUserId } = base.data;
        const contact = findContact(contacts, from, fromUserId);
        const identity = identityOf(contact, from, fromUserId, fromParentUserId);
        const userId = identity.bsuid ?? identity.waId;
        if (userId === undefined) {
          ignored.push({ reason: 'no_user_id', field: change.field, detail: base.data.type });
          continue;
        }
        const converted = toInboundMessage(base.data, raw);
        if (!converted.ok) {
          ignored.push({
            reason: converted.reason,
            field: change.field,
            detail: converted.detail.slice(0, 64),
          });
          continue;
        }
        events.push({
          kind: 'message',
          ...origin,
          event: {
            type: 'user.message',
            key: { phoneNumberId, userId },
            contact: identity,
            message: converted.message,
          },
        });
      }

      for (const raw of value.data.statuses ?? []) {
        const status = webhookStatusSchema.safeParse(raw);
        if (!status.success) {
          ignored.push({ reason: 'invalid_status', field: change.field });
          continue;
        }
        const deliveryStatus = deliveryStatusSchema.safeParse(status.data.status);
        if (!deliveryStatus.success) {
          ignored.push({
            reason: 'unknown_status',
            field: change.field,
            detail: status.data.status.slice(0, 32),
          });
          continue;
        }
        const userId = status.data.recipient_user_id ?? normalizePhone(status.data.recipient_id);
        if (userId === undefined) {
          ignored.push({ reason: 'no_user_id', field: change.field, detail: 'status' });
          continue;
        }
        const errors = toChannelErrors(status.data.errors);
        events.push({
          kind: 'status',
          ...origin,
          ...(status.data.conversation !== undefined && { conversation: status.data.conversation }),
          event: {
            type: 'message.status',
            key: { phoneNumberId, userId },
            wamid: status.data.id,
            status: deliveryStatus.data,
            timestamp: Math.max(0, Math.round(status.data.timestamp * 1000)),
            ...(status.data.biz_opaque_callback_data !== undefined && {
              callbackData: status.data.biz_opaque_callback_data,
            }),
            ...(errors.length > 0 && { errors }),
            ...(status.data.pricing !== undefined && { pricing: status.data.pricing }),
          },
        });
      }

      const valueErrors: ChannelError[] = [];
      for (const raw of value.data.errors ?? []) {
        const error = webhookErrorSchema.safeParse(raw);
        if (error.success) valueErrors.push(...toChannelErrors([error.data]));
        else ignored.push({ reason: 'invalid_error', field: change.field });
      }
      if (valueErrors.length > 0)
        events.push({ kind: 'error', ...origin, phoneNumberId, errors: valueErrors });
    }
  }
  return { ok: true, events, ignored };
}
