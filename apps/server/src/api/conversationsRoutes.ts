import { z } from 'zod';
import {
  conversationStatusSchema,
  outboxRecordSchema,
  transcriptEntrySchema,
  type ConversationRecord,
  type TranscriptEntry,
} from '@parley/flow';
import type { Actor } from '../auth/roles.js';
import { HttpError } from '../http/HttpError.js';
import type { CommandResult } from '../http/services.js';
import type { ApiDeps } from './ApiDeps.js';
import { defineRoute, type ApiRoute, type RouteResult } from './defineRoute.js';
import { idParams, opaqueId } from './schemas.js';

/** WhatsApp's customer service window: free-form replies only within 24 hours of the user's last message. */
export const SERVICE_WINDOW_MS = 24 * 3_600_000;

const listItem = z
  .object({
    id: z.string(),
    botId: z.string(),
    userId: z.string(),
    contactName: z.string().nullable(),
    status: conversationStatusSchema,
    nodeId: z.string().nullable(),
    flowId: z.string(),
    flowVersion: z.number(),
    updatedAt: z.number(),
    lastUserMessageAt: z.number().nullable(),
    windowOpen: z.boolean(),
  })
  .meta({ id: 'ConversationSummary' });

const conversationView = z
  .object({
    id: z.string(),
    botId: z.string(),
    phoneNumberId: z.string(),
    userId: z.string(),
    contactName: z.string().nullable(),
    flowId: z.string(),
    flowVersion: z.number(),
    flowHash: z.string(),
    status: conversationStatusSchema,
    nodeId: z.string().nullable(),
    vars: z.record(z.string(), z.unknown()),
    startedAt: z.number(),
    updatedAt: z.number(),
    lastUserMessageAt: z.number().nullable(),
    windowOpen: z.boolean(),
  })
  .meta({ id: 'Conversation' });

function isWindowOpen(c: ConversationRecord, now: number): boolean {
  return c.lastUserMessageAt !== null && now - c.lastUserMessageAt < SERVICE_WINDOW_MS;
}

/** The nodes the conversation went through, in order, from its transcript (repeats collapsed). */
export function pathOf(transcript: TranscriptEntry[]): string[] {
  const path: string[] = [];
  for (const entry of transcript) {
    if (entry.nodeId && path[path.length - 1] !== entry.nodeId) path.push(entry.nodeId);
  }
  return path;
}

async function getOr404(deps: ApiDeps, id: string): Promise<ConversationRecord> {
  const c = await deps.store.getConversation(id);
  if (!c)
    throw new HttpError(
      404,
      'conversation.not_found',
      'There is no such conversation (it may have been erased).',
    );
  return c;
}

function commandRoute(
  action: 'reset' | 'handoff' | 'release',
  summary: string,
  description: string,
): ApiRoute {
  return defineRoute({
    method: 'post',
    path: `/conversations/:id/${action}`,
    tag: 'Conversations',
    summary,
    description,
    access: 'editor',
    params: idParams,
    responses: { 202: { description: "Queued; it runs in order with the user's messages" } },
    errors: [404],
    audit: `conversation.${action}`,
    handler: async ({ deps, params, actor }): Promise<RouteResult> => {
      const result: CommandResult = await deps.conversationCommands[action](params.id, actor as Actor);
      if (!result.ok) throw new HttpError(404, 'conversation.not_found', 'There is no such conversation.');
      return { status: 202 };
    },
  });
}

/** Conversations: list, inspect, and operator actions. */
export const conversationsRoutes: ApiRoute[] = [
  defineRoute({
    method: 'get',
    path: '/conversations',
    tag: 'Conversations',
    summary: 'List conversations',
    access: 'viewer',
    query: z.object({
      botId: opaqueId.optional(),
      status: conversationStatusSchema.optional(),
      contact: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .optional()
        .meta({ description: 'Part of the user id or contact name' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      offset: z.coerce.number().int().min(0).default(0),
    }),
    responses: {
      200: {
        description: 'One page, newest first',
        schema: z.object({ items: z.array(listItem), total: z.number() }),
      },
    },
    handler: async ({ deps, query }) => {
      const { items, total } = await deps.store.listConversations(query);
      const now = deps.now();
      const contacts = await Promise.all(items.map((c) => deps.store.getContact(c.id)));
      return {
        status: 200,
        body: {
          items: items.map((c, i) => ({
            id: c.id,
            botId: c.botId,
            userId: c.userId,
            contactName: contacts[i]?.name ?? null,
            status: c.status,
            nodeId: c.nodeId,
            flowId: c.flowId,
            flowVersion: c.flowVersion,
            updatedAt: c.updatedAt,
            lastUserMessageAt: c.lastUserMessageAt,
            windowOpen: isWindowOpen(c, now),
          })),
          total,
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/conversations/:id',
    tag: 'Conversations',
    summary: 'A conversation with its transcript',
    access: 'viewer',
    params: idParams,
    responses: {
      200: {
        description:
          'The conversation, its transcript, its outbound messages with delivery status, and the path through the flow',
        schema: z.object({
          conversation: conversationView,
          transcript: z.array(transcriptEntrySchema),
          outbox: z.array(outboxRecordSchema),
          path: z.array(z.string()),
        }),
      },
    },
    errors: [404],
    handler: async ({ deps, params }) => {
      const c = await getOr404(deps, params.id);
      const [contact, transcript, outbox] = await Promise.all([
        deps.store.getContact(c.id),
        deps.store.listTranscript(c.id),
        deps.store.listOutbox(c.id),
      ]);
      // The engine's snapshot is internal state, not for people: everything it means is in the other fields.
      const { snapshot: _snapshot, revision: _revision, ...rest } = c;
      return {
        status: 200,
        body: {
          conversation: {
            ...rest,
            contactName: contact?.name ?? null,
            windowOpen: isWindowOpen(c, deps.now()),
          },
          transcript,
          outbox,
          path: pathOf(transcript),
        },
      };
    },
  }),
  commandRoute(
    'reset',
    'Reset a conversation',
    'Forgets its state and variables; the next message starts the flow anew.',
  ),
  commandRoute(
    'handoff',
    'Hand a conversation to a human',
    'The bot stops answering this contact until released.',
  ),
  commandRoute(
    'release',
    'Give a conversation back to the bot',
    "The flow resumes by its handoff node's `resumed` port.",
  ),
  defineRoute({
    method: 'post',
    path: '/conversations/:id/messages',
    tag: 'Conversations',
    summary: 'Send an operator message',
    description:
      "Free text is only allowed within 24 hours of the user's last message (409 window.closed otherwise).",
    access: 'editor',
    params: idParams,
    body: z.object({
      text: z
        .string()
        .trim()
        .min(1, { error: 'Write a message' })
        .max(4096, { error: 'WhatsApp allows 4,096 characters' }),
    }),
    responses: { 202: { description: 'Queued for sending' } },
    errors: [404, 409],
    audit: 'conversation.operator_message',
    handler: async ({ deps, params, body, actor }) => {
      const result = await deps.conversationCommands.sendOperatorMessage(params.id, body.text, actor);
      if (!result.ok && result.code === 'not_found') {
        throw new HttpError(404, 'conversation.not_found', 'There is no such conversation.');
      }
      if (!result.ok) {
        throw new HttpError(
          409,
          'window.closed',
          'More than 24 hours have passed since this person last wrote. WhatsApp only allows approved templates now.',
        );
      }
      // The audit records that a message was sent and how long, never its words.
      return { status: 202, audit: { details: { length: body.text.length } } };
    },
  }),
];
