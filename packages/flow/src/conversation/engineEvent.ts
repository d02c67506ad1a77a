import { z } from 'zod';
import { inboundMessageSchema } from '../messages/inboundMessage.js';
import { contactIdentitySchema, conversationKeySchema } from './conversationKey.js';

export const deliveryStatusSchema = z.enum(['sent', 'delivered', 'read', 'played', 'failed']);
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

export const channelErrorSchema = z.object({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  details: z.string().optional(),
});
export type ChannelError = z.infer<typeof channelErrorSchema>;

const base = { key: conversationKeySchema, botId: z.string().optional() };

/** What can happen to a conversation. Names are dotted (`user.message`, `timer.fired`). */
export const engineEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('user.message'),
    contact: contactIdentitySchema,
    message: inboundMessageSchema,
  }),
  z.object({
    ...base,
    type: z.literal('timer.fired'),
    timerId: z.string(),
    purpose: z.enum(['delay', 'inactivity', 'coalesce']),
    nodeId: z.string().optional(),
    dueAt: z.number(),
  }),
  z.object({ ...base, type: z.literal('operator.handoff'), operator: z.string().optional() }),
  z.object({ ...base, type: z.literal('operator.release'), operator: z.string().optional() }),
  z.object({ ...base, type: z.literal('operator.reset'), operator: z.string().optional() }),
  z.object({
    ...base,
    type: z.literal('operator.message'),
    operator: z.string().optional(),
    text: z.string().min(1),
  }),
  /** A delivery status for a message we sent; recorded, never advances the flow. */
  z.object({
    ...base,
    type: z.literal('message.status'),
    wamid: z.string(),
    status: deliveryStatusSchema,
    timestamp: z.number(),
    callbackData: z.string().optional(),
    errors: z.array(channelErrorSchema).optional(),
    /** Meta's `pricing` object (billable, pricing_model, type, category), kept as sent. */
    pricing: z.record(z.string(), z.unknown()).optional(),
  }),
]);
export type EngineEvent = z.infer<typeof engineEventSchema>;
export type EngineEventType = EngineEvent['type'];
