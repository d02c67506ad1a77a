import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { flowIdSchema } from '@parley/flow';
import { aadFor, type BotRecord, type Store } from '@parley/store';
import { HttpError } from '../http/HttpError.js';
import type { ApiDeps } from './ApiDeps.js';
import { defineRoute, type ApiRoute } from './defineRoute.js';
import { idParams } from './schemas.js';

/** The AAD that binds a bot's sealed access token to that bot: the dispatcher decrypts with the same. */
export function botTokenAad(botId: string): string {
  return aadFor.botToken(botId);
}

const phoneNumberId = z
  .string()
  .trim()
  .regex(/^\d{1,30}$/, { error: 'Use the numeric phone number id from Meta' });
const flowVersion = z.union([z.literal('latest'), z.number().int().positive()]);
const accessToken = z
  .string()
  .trim()
  .min(20, { error: 'This does not look like a WhatsApp access token' })
  .max(1000);

const healthView = z.object({
  tokenValid: z.boolean().nullable(),
  lastError: z.string().optional(),
  lastErrorAt: z.number().optional(),
});
const botView = z
  .object({
    id: z.string(),
    name: z.string(),
    phoneNumberId: z.string(),
    flowId: z.string(),
    flowVersion,
    kind: z.enum(['production', 'sandbox', 'preview']),
    health: healthView,
    hasAccessToken: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Bot' });

function toView(bot: BotRecord): z.output<typeof botView> {
  return {
    id: bot.id,
    name: bot.name,
    phoneNumberId: bot.phoneNumberId,
    flowId: bot.flowId,
    flowVersion: bot.flowVersion,
    kind: bot.kind,
    health: bot.health,
    hasAccessToken: Boolean(bot.accessTokenEncrypted),
    createdAt: bot.createdAt,
    updatedAt: bot.updatedAt,
  };
}

async function getBotOr404(store: Store, id: string): Promise<BotRecord> {
  const bot = await store.getBot(id);
  if (!bot || bot.kind === 'preview') throw new HttpError(404, 'bot.not_found', `There is no bot "${id}".`);
  return bot;
}

/** A bot must run a published flow: the pinned version, or at least one version for `latest`. */
async function checkFlowBinding(deps: ApiDeps, flowId: string, version: 'latest' | number): Promise<void> {
  const found =
    version === 'latest'
      ? await deps.store.getLatestFlowVersion(flowId)
      : await deps.store.getFlowVersion(flowId, version);
  if (!found) {
    throw new HttpError(
      409,
      'bot.flow_not_published',
      version === 'latest'
        ? `The flow "${flowId}" has not been published yet. Publish it first.`
        : `The flow "${flowId}" has no published version ${version}.`,
      { path: [version === 'latest' ? 'flowId' : 'flowVersion'] },
    );
  }
}

async function checkPhoneFree(store: Store, phone: string, botId?: string): Promise<void> {
  const other = await store.getBotByPhoneNumberId(phone);
  if (other && other.id !== botId) {
    throw new HttpError(
      409,
      'bot.phone_in_use',
      `The phone number id ${phone} is already used by "${other.name}".`,
      {
        path: ['phoneNumberId'],
      },
    );
  }
}

/** Bots: a WhatsApp phone number id (and its token, sealed) bound to a published flow. */
export const botsRoutes: ApiRoute[] = [
  defineRoute({
    method: 'get',
    path: '/bots',
    tag: 'Bots',
    summary: 'List bots',
    description: 'Access tokens are never returned; `hasAccessToken` says whether one is set.',
    access: 'viewer',
    responses: { 200: { description: 'The bots', schema: z.object({ bots: z.array(botView) }) } },
    handler: async ({ deps }) => ({
      status: 200,
      body: { bots: (await deps.store.listBots()).filter((b) => b.kind !== 'preview').map(toView) },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/bots',
    tag: 'Bots',
    summary: 'Create a bot',
    access: 'owner',
    body: z.object({
      name: z.string().trim().min(1).max(120),
      phoneNumberId,
      flowId: flowIdSchema,
      flowVersion: flowVersion.default('latest'),
      accessToken: accessToken.optional(),
      kind: z.enum(['production', 'sandbox']).default('production'),
    }),
    responses: { 201: { description: 'The bot', schema: botView } },
    errors: [409],
    audit: 'bot.create',
    handler: async ({ deps, body }) => {
      await checkFlowBinding(deps, body.flowId, body.flowVersion);
      await checkPhoneFree(deps.store, body.phoneNumberId);
      const now = deps.now();
      const id = `bot_${randomBytes(9).toString('base64url')}`;
      const bot: BotRecord = {
        id,
        name: body.name,
        phoneNumberId: body.phoneNumberId,
        flowId: body.flowId,
        flowVersion: body.flowVersion,
        kind: body.kind,
        health: { tokenValid: null },
        createdAt: now,
        updatedAt: now,
        ...(body.accessToken
          ? { accessTokenEncrypted: deps.cipher.encrypt(body.accessToken, botTokenAad(id)) }
          : {}),
      };
      await deps.store.saveBot(bot);
      return {
        status: 201,
        body: toView(bot),
        headers: { Location: `/api/bots/${id}` },
        audit: {
          target: id,
          details: {
            phoneNumberId: bot.phoneNumberId,
            flowId: bot.flowId,
            tokenSet: Boolean(body.accessToken),
          },
        },
      };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/bots/:id',
    tag: 'Bots',
    summary: 'Change a bot',
    description: 'Send only what changes; `accessToken: null` removes the token.',
    access: 'owner',
    params: idParams,
    body: z
      .object({
        name: z.string().trim().min(1).max(120),
        phoneNumberId,
        flowId: flowIdSchema,
        flowVersion,
        accessToken: accessToken.nullable(),
      })
      .partial(),
    responses: { 200: { description: 'The bot', schema: botView } },
    errors: [404, 409],
    audit: 'bot.update',
    handler: async ({ deps, params, body }) => {
      const bot = await getBotOr404(deps.store, params.id);
      const flowId = body.flowId ?? bot.flowId;
      const version = body.flowVersion ?? bot.flowVersion;
      if (body.flowId !== undefined || body.flowVersion !== undefined)
        await checkFlowBinding(deps, flowId, version);
      if (body.phoneNumberId !== undefined) await checkPhoneFree(deps.store, body.phoneNumberId, bot.id);
      const next: BotRecord = {
        ...bot,
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.phoneNumberId !== undefined ? { phoneNumberId: body.phoneNumberId } : {}),
        flowId,
        flowVersion: version,
        updatedAt: deps.now(),
      };
      if (body.accessToken === null) {
        delete next.accessTokenEncrypted;
        next.health = { tokenValid: null };
      } else if (body.accessToken !== undefined) {
        next.accessTokenEncrypted = deps.cipher.encrypt(body.accessToken, botTokenAad(bot.id));
        next.health = { tokenValid: null };
      }
      await deps.store.saveBot(next);
      const changed = Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined);
      return { status: 200, body: toView(next), audit: { details: { changed } } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/bots/:id',
    tag: 'Bots',
    summary: 'Delete a bot',
    description:
      'Its conversations stay until retention removes them; new messages to its number are ignored.',
    access: 'owner',
    params: idParams,
    responses: { 204: { description: 'Deleted' } },
    errors: [404],
    audit: 'bot.delete',
    handler: async ({ deps, params }) => {
      await getBotOr404(deps.store, params.id);
      await deps.store.deleteBot(params.id);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/bots/:id/health',
    tag: 'Bots',
    summary: "A bot's health",
    description: 'Whether its token last worked, its last error, and its messages waiting to be sent.',
    access: 'viewer',
    params: idParams,
    responses: {
      200: {
        description: 'Health',
        schema: z.object({
          tokenValid: z.boolean().nullable(),
          lastError: z.string().nullable(),
          lastErrorAt: z.number().nullable(),
          outboxPending: z.number(),
        }),
      },
    },
    errors: [404],
    handler: async ({ deps, params }) => {
      const bot = await getBotOr404(deps.store, params.id);
      return {
        status: 200,
        body: {
          tokenValid: bot.health.tokenValid,
          lastError: bot.health.lastError ?? null,
          lastErrorAt: bot.health.lastErrorAt ?? null,
          outboxPending: await pendingFor(deps.store, bot.id),
        },
      };
    },
  }),
];

/** Pending outbox rows of a bot's most recently active conversations (bounded: health must stay cheap). */
async function pendingFor(store: Store, botId: string): Promise<number> {
  const { items } = await store.listConversations({ botId, limit: 200 });
  const rows = await Promise.all(items.map((c) => store.listOutbox(c.id)));
  return rows.flat().filter((r) => r.status === 'pending' || r.status === 'sending').length;
}
