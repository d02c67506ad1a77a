import { z } from 'zod';
import { mediaKindSchema } from './inboundMessage.js';

const replyButtonSchema = z.object({ id: z.string().min(1), title: z.string().min(1) });
const listRowSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  description: z.string().optional(),
});
const listSectionSchema = z.object({ title: z.string().optional(), rows: z.array(listRowSchema).min(1) });
const mediaHeaderSchema = z.object({
  kind: z.enum(['image', 'video', 'document']),
  link: z.string().optional(),
  mediaId: z.string().optional(),
});

/**
 * What the bot sends, channel-neutral. Nodes return these; the WhatsApp package turns them into
 * Graph API requests and enforces the channel's limits again at send time.
 */
export const outboundMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string().min(1), previewUrl: z.boolean().optional() }),
  z.object({
    type: z.literal('buttons'),
    body: z.string().min(1),
    header: z.string().optional(),
    mediaHeader: mediaHeaderSchema.optional(),
    footer: z.string().optional(),
    buttons: z.array(replyButtonSchema).min(1),
  }),
  z.object({
    type: z.literal('list'),
    body: z.string().min(1),
    header: z.string().optional(),
    footer: z.string().optional(),
    buttonLabel: z.string().min(1),
    sections: z.array(listSectionSchema).min(1),
  }),
  z.object({
    type: z.literal('cta_url'),
    body: z.string().min(1),
    header: z.string().optional(),
    footer: z.string().optional(),
    displayText: z.string().min(1),
    url: z.string().min(1),
  }),
  z.object({
    type: z.literal('media'),
    mediaKind: mediaKindSchema,
    link: z.string().optional(),
    mediaId: z.string().optional(),
    caption: z.string().optional(),
    filename: z.string().optional(),
  }),
  z.object({
    type: z.literal('template'),
    name: z.string().min(1),
    language: z.string().min(2),
    /** Body parameters in order ({{1}}, {{2}}, …). */
    bodyParams: z.array(z.string()).default([]),
    headerParams: z.array(z.string()).optional(),
    /** Raw Graph components, for what bodyParams cannot say. */
    components: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
  z.object({
    type: z.literal('location'),
    latitude: z.number(),
    longitude: z.number(),
    name: z.string().optional(),
    address: z.string().optional(),
  }),
  z.object({ type: z.literal('contacts'), contacts: z.array(z.record(z.string(), z.unknown())).min(1) }),
  z.object({ type: z.literal('reaction'), targetMessageId: z.string(), emoji: z.string() }),
]);

export type OutboundMessage = z.infer<typeof outboundMessageSchema>;
export type OutboundMessageInput = z.input<typeof outboundMessageSchema>;
export type OutboundMessageType = OutboundMessage['type'];

/** Templates are the only messages WhatsApp delivers outside the 24-hour customer service window. */
export function isTemplateMessage(message: OutboundMessage): boolean {
  return message.type === 'template';
}
