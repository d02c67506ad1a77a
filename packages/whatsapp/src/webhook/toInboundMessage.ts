import type { InboundMessage, MediaKind } from '@parley/flow';
import { webhookMessagePartSchemas, type WebhookError, type WebhookMessageBase } from './webhookSchema.js';

/** Either the message in Parley's vocabulary, or why it was left out (logged, never an error). */
export type InboundConversion =
  | { ok: true; message: InboundMessage }
  | { ok: false; reason: 'unknown_message_type' | 'invalid_message'; detail: string };

const MEDIA_KINDS: readonly MediaKind[] = ['image', 'audio', 'video', 'document', 'sticker'];

/** Meta's error objects, flattened to the channel-neutral shape. */
export function toChannelErrors(errors: readonly WebhookError[] | undefined) {
  return (errors ?? []).map((error) => ({
    code: error.code,
    ...(error.title !== undefined && { title: error.title }),
    ...(error.message !== undefined && { message: error.message }),
    ...(error.error_data?.details !== undefined && { details: error.error_data.details }),
  }));
}

/**
 * Converts one webhook message (already checked against the base schema) into an
 * `InboundMessage`. Unknown types are reported, not thrown: Meta adds types often.
 * @example toInboundMessage(base, raw) // { ok: true, message: { type: 'text', text: 'hi', … } }
 */
export function toInboundMessage(base: WebhookMessageBase, raw: unknown): InboundConversion {
  const common = {
    id: base.id,
    timestamp: Math.max(0, Math.round(base.timestamp * 1000)),
    ...(base.context?.id !== undefined && { replyTo: base.context.id }),
    ...((base.context?.forwarded || base.context?.frequently_forwarded) && { forwarded: true }),
    ...(base.referral !== undefined && { referral: base.referral }),
  };
  const type = base.type;
  if (!Object.hasOwn(webhookMessagePartSchemas, type)) {
    return { ok: false, reason: 'unknown_message_type', detail: type };
  }
  const invalid = (detail: string): InboundConversion => ({ ok: false, reason: 'invalid_message', detail });

  switch (type) {
    case 'text': {
      const part = webhookMessagePartSchemas.text.safeParse(raw);
      if (!part.success) return invalid('text without a body');
      return { ok: true, message: { ...common, type: 'text', text: part.data.text.body } };
    }
    case 'interactive': {
      const part = webhookMessagePartSchemas.interactive.safeParse(raw);
      if (!part.success) return invalid('interactive without its reply');
      const { interactive } = part.data;
      if (interactive.type === 'button_reply' && interactive.button_reply) {
        const { id, title } = interactive.button_reply;
        return { ok: true, message: { ...common, type: 'button_reply', buttonId: id, title } };
      }
      if (interactive.type === 'list_reply' && interactive.list_reply) {
        const { id, title, description } = interactive.list_reply;
        return {
          ok: true,
          message: {
            ...common,
            type: 'list_reply',
            rowId: id,
            title,
            ...(description !== undefined && { description }),
          },
        };
      }
      if (interactive.type === 'nfm_reply' && interactive.nfm_reply) {
        const { name, body, response_json } = interactive.nfm_reply;
        let response: unknown = response_json;
        try {
          response = JSON.parse(response_json);
        } catch {
          // Kept as the string Meta sent: a form reply with odd JSON is still the user's answer.
        }
        return {
          ok: true,
          message: {
            ...common,
            type: 'form_reply',
            name: name ?? 'flow',
            ...(body !== undefined && { body }),
            response,
          },
        };
      }
      return { ok: false, reason: 'unknown_message_type', detail: `interactive.${interactive.type}` };
    }
    case 'button': {
      const part = webhookMessagePartSchemas.button.safeParse(raw);
      if (!part.success) return invalid('template button without text');
      const { payload, text } = part.data.button;
      return {
        ok: true,
        message: {
          ...common,
          type: 'button_reply',
          buttonId: payload ?? text,
          title: text,
          fromTemplate: true,
        },
      };
    }
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker': {
      const part = webhookMessagePartSchemas[type].safeParse(raw);
      if (!part.success) return invalid(`${type} without a media id`);
      const media = (part.data as Record<string, unknown>)[type] as {
        id: string;
        mime_type?: string;
        sha256?: string;
        caption?: string;
        filename?: string;
        voice?: boolean;
        animated?: boolean;
        url?: string;
      };
      const mediaKind = MEDIA_KINDS.find((kind) => kind === type) ?? 'document';
      return {
        ok: true,
        message: {
          ...common,
          type: 'media',
          mediaKind,
          mediaId: media.id,
          ...(media.mime_type !== undefined && { mimeType: media.mime_type }),
          ...(media.sha256 !== undefined && { sha256: media.sha256 }),
          ...(media.caption !== undefined && { caption: media.caption }),
          ...(media.filename !== undefined && { filename: media.filename }),
          ...(media.voice !== undefined && { voice: media.voice }),
          ...(media.animated !== undefined && { animated: media.animated }),
          ...(media.url !== undefined && { url: media.url }),
        },
      };
    }
    case 'location': {
      const part = webhookMessagePartSchemas.location.safeParse(raw);
      if (!part.success) return invalid('location without coordinates');
      const { latitude, longitude, name, address, url } = part.data.location;
      return {
        ok: true,
        message: {
          ...common,
          type: 'location',
          latitude,
          longitude,
          ...(name !== undefined && { name }),
          ...(address !== undefined && { address }),
          ...(url !== undefined && { url }),
        },
      };
    }
    case 'contacts': {
      const part = webhookMessagePartSchemas.contacts.safeParse(raw);
      if (!part.success) return invalid('contacts without a list');
      return { ok: true, message: { ...common, type: 'contacts', contacts: part.data.contacts } };
    }
    case 'reaction': {
      const part = webhookMessagePartSchemas.reaction.safeParse(raw);
      if (!part.success) return invalid('reaction without its target');
      const { message_id, emoji } = part.data.reaction;
      return {
        ok: true,
        message: {
          ...common,
          type: 'reaction',
          targetMessageId: message_id,
          // Meta omits the emoji (or sends an empty one) when the user removes a reaction.
          ...(emoji !== undefined && emoji !== '' && { emoji }),
        },
      };
    }
    case 'order': {
      const part = webhookMessagePartSchemas.order.safeParse(raw);
      if (!part.success) return invalid('order without items');
      const { catalog_id, text, product_items } = part.data.order;
      return {
        ok: true,
        message: {
          ...common,
          type: 'order',
          ...(catalog_id !== undefined && { catalogId: catalog_id }),
          ...(text !== undefined && { text }),
          items: product_items.map((item) => ({
            productRetailerId: item.product_retailer_id,
            quantity: item.quantity,
            ...(item.item_price !== undefined && { itemPrice: item.item_price }),
            ...(item.currency !== undefined && { currency: item.currency }),
          })),
        },
      };
    }
    case 'system': {
      const part = webhookMessagePartSchemas.system.safeParse(raw);
      if (!part.success) return invalid('system message without details');
      const { body, type: systemType } = part.data.system;
      return {
        ok: true,
        message: {
          ...common,
          type: 'system',
          ...(systemType !== undefined && { systemType }),
          ...(body !== undefined && { body }),
        },
      };
    }
    case 'unsupported':
    case 'unknown': {
      const part = webhookMessagePartSchemas.unsupported.safeParse(raw);
      const kind = part.success ? part.data.unsupported?.type : undefined;
      const errors = toChannelErrors(base.errors).map(({ code, title, message }) => ({
        code,
        ...(title !== undefined && { title }),
        ...(message !== undefined && { message }),
      }));
      return {
        ok: true,
        message: {
          ...common,
          type: 'unsupported',
          ...(kind !== undefined && { kind }),
          ...(errors.length > 0 && { errors }),
        },
      };
    }
  }
  return { ok: false, reason: 'unknown_message_type', detail: type };
}
