import { z } from 'zod';

/** The media kinds WhatsApp carries, inbound and outbound. */
export const mediaKindSchema = z.enum(['image', 'audio', 'video', 'document', 'sticker']);
export type MediaKind = z.infer<typeof mediaKindSchema>;

const common = {
  /** The channel's message id (a wamid on WhatsApp): the dedupe key. */
  id: z.string().min(1),
  /** When the user sent it, in epoch milliseconds. */
  timestamp: z.number().int().nonnegative(),
  /** The business message this one replies to or was tapped on, when the channel says so. */
  replyTo: z.string().optional(),
  forwarded: z.boolean().optional(),
  /** Click-to-WhatsApp ad or post that started the chat, kept as the channel sent it. */
  referral: z.record(z.string(), z.unknown()).optional(),
};

/**
 * A user's message in Parley's channel-neutral vocabulary. The WhatsApp package converts webhook
 * payloads into this; the runtime and nodes only ever see this shape.
 */
export const inboundMessageSchema = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('text'), text: z.string() }),
  /** A tap on a reply button, or on a template's quick-reply button (id = payload). */
  z.object({
    ...common,
    type: z.literal('button_reply'),
    buttonId: z.string(),
    title: z.string(),
    fromTemplate: z.boolean().optional(),
  }),
  z.object({
    ...common,
    type: z.literal('list_reply'),
    rowId: z.string(),
    title: z.string(),
    description: z.string().optional(),
  }),
  z.object({
    ...common,
    type: z.literal('media'),
    mediaKind: mediaKindSchema,
    mediaId: z.string(),
    mimeType: z.string().optional(),
    sha256: z.string().optional(),
    caption: z.string().optional(),
    filename: z.string().optional(),
    voice: z.boolean().optional(),
    animated: z.boolean().optional(),
    url: z.string().optional(),
  }),
  z.object({
    ...common,
    type: z.literal('location'),
    latitude: z.number(),
    longitude: z.number(),
    name: z.string().optional(),
    address: z.string().optional(),
    url: z.string().optional(),
  }),
  z.object({ ...common, type: z.literal('contacts'), contacts: z.array(z.record(z.string(), z.unknown())) }),
  /** `emoji` is absent when the user removed a reaction. */
  z.object({
    ...common,
    type: z.literal('reaction'),
    targetMessageId: z.string(),
    emoji: z.string().optional(),
  }),
  z.object({
    ...common,
    type: z.literal('order'),
    catalogId: z.string().optional(),
    items: z.array(
      z.object({
        productRetailerId: z.string(),
        quantity: z.number(),
        itemPrice: z.number().optional(),
        currency: z.string().optional(),
      }),
    ),
    text: z.string().optional(),
  }),
  /** A structured reply from an interactive form (WhatsApp Flows, address messages). */
  z.object({
    ...common,
    type: z.literal('form_reply'),
    name: z.string(),
    body: z.string().optional(),
    response: z.unknown(),
  }),
  z.object({
    ...common,
    type: z.literal('system'),
    systemType: z.string().optional(),
    body: z.string().optional(),
  }),
  /** Something the channel could not show us (polls, edits, …); `kind` names it when known. */
  z.object({
    ...common,
    type: z.literal('unsupported'),
    kind: z.string().optional(),
    errors: z
      .array(z.object({ code: z.number(), title: z.string().optional(), message: z.string().optional() }))
      .optional(),
  }),
]);

export type InboundMessage = z.infer<typeof inboundMessageSchema>;
export type InboundMessageType = InboundMessage['type'];

/**
 * The text a message stands for when a node wants words: the body, a tapped title, a caption.
 * @example textOf({ type: 'text', text: 'hi', id: 'x', timestamp: 0 }) // 'hi'
 */
export function textOf(message: InboundMessage): string {
  switch (message.type) {
    case 'text':
      return message.text;
    case 'button_reply':
    case 'list_reply':
      return message.title;
    case 'media':
      return message.caption ?? '';
    case 'order':
      return message.text ?? '';
    case 'location':
      return message.name ?? '';
    default:
      return '';
  }
}
