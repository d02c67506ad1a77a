import { z } from 'zod';
import { inboundMessageSchema } from '../messages/inboundMessage.js';
import { outboundMessageSchema } from '../messages/outboundMessage.js';
import { channelErrorSchema, deliveryStatusSchema, engineEventSchema } from './engineEvent.js';
import { contactIdentitySchema } from './conversationKey.js';

/**
 * The records the engine and the stores exchange. They live here, in the shared vocabulary,
 * because the runtime and the stores must agree on them without importing each other.
 */

export const conversationStatusSchema = z.enum([
  /** Mid-step (never persisted as such: we persist only at rest). */
  'active',
  /** Waiting for the user's reply. */
  'waiting',
  /** Waiting for a durable timer. */
  'sleeping',
  /** With a human operator; the bot is quiet. */
  'handoff',
  /** Stopped by an error or the step limit; the next message restarts it. */
  'parked',
  'ended',
]);
export type ConversationStatus = z.infer<typeof conversationStatusSchema>;

export const conversationRecordSchema = z.object({
  /** conversationKeyId(key). */
  id: z.string(),
  phoneNumberId: z.string(),
  userId: z.string(),
  botId: z.string(),
  flowId: z.string(),
  flowVersion: z.number().int().nonnegative(),
  flowHash: z.string(),
  status: conversationStatusSchema,
  nodeId: z.string().nullable(),
  /** The persisted xstate snapshot, taken only at rest. */
  snapshot: z.unknown(),
  vars: z.record(z.string(), z.unknown()),
  startedAt: z.number(),
  updatedAt: z.number(),
  lastUserMessageAt: z.number().nullable(),
  /** Incremented on every commit: optimistic concurrency between workers. */
  revision: z.number().int().nonnegative(),
});
export type ConversationRecord = z.infer<typeof conversationRecordSchema>;

export const contactRecordSchema = contactIdentitySchema.extend({
  /** conversationKeyId of the contact's key. */
  id: z.string(),
  phoneNumberId: z.string(),
  userId: z.string(),
  optedOut: z.boolean().default(false),
  firstSeenAt: z.number(),
  lastUserMessageAt: z.number().nullable(),
});
export type ContactRecord = z.infer<typeof contactRecordSchema>;

export const outboxStatusSchema = z.enum([
  'pending',
  'sending',
  'sent',
  'delivered',
  'read',
  'played',
  'failed',
]);
export type OutboxStatus = z.infer<typeof outboxStatusSchema>;

export const outboxRecordSchema = z.object({
  /** Also sent as `biz_opaque_callback_data`, so a lost send response is reconciled by its status webhook. */
  id: z.string(),
  conversationId: z.string(),
  phoneNumberId: z.string(),
  /** The Graph `to`: the wa_id or BSUID. */
  recipient: z.string(),
  /** Order within the conversation; the dispatcher sends strictly in this order. */
  seq: z.number().int().nonnegative(),
  message: outboundMessageSchema,
  nodeId: z.string().optional(),
  /** Inbound wamid this answers (for mark-as-read and reply context). */
  inReplyTo: z.string().optional(),
  status: outboxStatusSchema,
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: z.number(),
  /** Give up retrying retryable errors after this time. */
  deadlineAt: z.number(),
  wamid: z.string().optional(),
  lastError: channelErrorSchema.optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type OutboxRecord = z.infer<typeof outboxRecordSchema>;

export const transcriptEntrySchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  at: z.number(),
  nodeId: z.string().optional(),
  /** `in`: the user; `out`: the bot; `event`: what the engine did; `error`: what went wrong. */
  direction: z.enum(['in', 'out', 'event', 'error']),
  inbound: inboundMessageSchema.optional(),
  outbound: outboundMessageSchema.optional(),
  outboxId: z.string().optional(),
  /** A stable code from the message catalogue (`flow.step_limit`, `window.closed`, …). */
  code: z.string().optional(),
  /** Words for a person. */
  text: z.string().optional(),
  status: deliveryStatusSchema.optional(),
  errors: z.array(channelErrorSchema).optional(),
});
export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

export const timerRecordSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  dueAt: z.number(),
  purpose: z.enum(['delay', 'inactivity', 'coalesce']),
  nodeId: z.string().optional(),
  createdAt: z.number(),
});
export type TimerRecord = z.infer<typeof timerRecordSchema>;

export const inboxRecordSchema = z.object({
  /** Dedupe key: the inbound wamid, or a derived id for statuses and operator actions. */
  id: z.string(),
  conversationId: z.string(),
  event: engineEventSchema,
  receivedAt: z.number(),
  status: z.enum(['pending', 'done']),
  attempts: z.number().int().nonnegative().default(0),
});
export type InboxRecord = z.infer<typeof inboxRecordSchema>;

/**
 * Everything one `Engine.handle` call changes, written atomically by the store:
 * after a crash either all of it is there or none.
 */
export const commitUnitSchema = z.object({
  conversationId: z.string(),
  /** The new state; null deletes the conversation (erasure, or a reset before any start). */
  conversation: conversationRecordSchema.nullable(),
  /** The revision the engine read; a store refuses the commit if another worker moved it on. */
  expectedRevision: z.number().int().nonnegative().nullable(),
  contact: contactRecordSchema.optional(),
  outbox: z.array(outboxRecordSchema).default([]),
  transcript: z.array(transcriptEntrySchema).default([]),
  timersSet: z.array(timerRecordSchema).default([]),
  timersCancelled: z.array(z.string()).default([]),
  /** Inbox rows this unit consumed; marked done in the same transaction. */
  inboxDone: z.array(z.string()).default([]),
});
export type CommitUnit = z.infer<typeof commitUnitSchema>;
export type CommitUnitInput = z.input<typeof commitUnitSchema>;

/** A published, immutable version of a flow, numbered from 1, with the hash of its content. */
export const flowVersionRecordSchema = z.object({
  flowId: z.string(),
  version: z.number().int().positive(),
  /** sha256 of the canonical JSON of the document. */
  hash: z.string(),
  document: z.record(z.string(), z.unknown()),
  publishedAt: z.number(),
  publishedBy: z.string().optional(),
});
export type FlowVersionRecord = z.infer<typeof flowVersionRecordSchema>;
