import { z } from 'zod';
import type { RecordedMessage } from './conversationLog.js';

const common = {
  /** The bot message this one quotes (adds `context`). Taps on buttons and lists set it themselves. */
  replyTo: z.string().optional(),
  forwarded: z.boolean().optional(),
  /** Click-to-WhatsApp referral, sent as is. */
  referral: z.record(z.string(), z.unknown()).optional(),
};
const media = {
  ...common,
  /** Media id; the simulator makes one (and stores `data` for download) when absent. */
  mediaId: z.string().optional(),
  mimeType: z.string().optional(),
  data: z.instanceof(Uint8Array).optional(),
};

/** What a simulated user can send: every inbound kind of PROTOCOL.md §3.2. */
export const simulatedUserMessageSchema = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('text'), text: z.string() }),
  /** Tap on a reply button: give `id`, or `title` to look it up in the bot's last button message. */
  z.object({
    ...common,
    type: z.literal('button_reply'),
    id: z.string().optional(),
    title: z.string().optional(),
    to: z.string().optional(),
  }),
  z.object({
    ...common,
    type: z.literal('list_reply'),
    id: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    to: z.string().optional(),
  }),
  /** Tap on a template quick-reply button (`type: "button"` on the wire). */
  z.object({
    ...common,
    type: z.literal('template_button'),
    text: z.string(),
    payload: z.string().optional(),
    to: z.string().optional(),
  }),
  z.object({ ...media, type: z.literal('image'), caption: z.string().optional() }),
  z.object({ ...media, type: z.literal('video'), caption: z.string().optional() }),
  z.object({ ...media, type: z.literal('audio'), voice: z.boolean().optional() }),
  z.object({
    ...media,
    type: z.literal('document'),
    caption: z.string().optional(),
    filename: z.string().optional(),
  }),
  z.object({ ...media, type: z.literal('sticker'), animated: z.boolean().optional() }),
  z.object({
    ...common,
    type: z.literal('location'),
    latitude: z.number(),
    longitude: z.number(),
    name: z.string().optional(),
    address: z.string().optional(),
    url: z.string().optional(),
  }),
  z.object({
    ...common,
    type: z.literal('contacts'),
    contacts: z.array(z.record(z.string(), z.unknown())).min(1),
  }),
  /** Reaction to a bot message (`to`, default: the bot's last message); no `emoji` removes it. */
  z.object({
    ...common,
    type: z.literal('reaction'),
    emoji: z.string().optional(),
    to: z.string().optional(),
  }),
  /** A kind the Cloud API does not support (poll, edit, ...), delivered with error 131051. */
  z.object({ ...common, type: z.literal('unsupported'), kind: z.string().default('poll_creation') }),
]);

/** A message a simulated user sends; a plain string is a text message. */
export type SimulatedUserMessage = z.input<typeof simulatedUserMessageSchema> | string;

const DEFAULT_MIME: Record<string, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg; codecs=opus',
  document: 'application/pdf',
  sticker: 'image/webp',
};

/** What the builder needs from the simulator: the bot's messages, and a place to put media. */
export interface UserMessageContext {
  lastBotMessage(predicate?: (m: RecordedMessage) => boolean): RecordedMessage | undefined;
  botMessage(wamid: string): RecordedMessage | undefined;
  storeMedia(data: Uint8Array, mimeType: string): { id: string; sha256: string };
  businessDisplayNumber: string;
}

/** A message the simulator cannot build (unknown button title, nothing to react to). */
export class UserMessageError extends Error {
  readonly code = 'user_message_invalid';
}

/**
 * Builds the webhook `messages[]` object for a user's message (without `from`, `id`, `timestamp`).
 * @example buildUserMessage({ type: 'button_reply', title: 'Yes' }, ctx) // { type: 'interactive', interactive: { ... }, context }
 */
export function buildUserMessage(
  input: SimulatedUserMessage,
  ctx: UserMessageContext,
): Record<string, unknown> {
  const parsed = simulatedUserMessageSchema.safeParse(
    typeof input === 'string' ? { type: 'text', text: input } : input,
  );
  if (!parsed.success) {
    throw new UserMessageError(
      `Invalid simulated message: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  const m = parsed.data;
  const context = (wamid: string | undefined) =>
    wamid ? { context: { from: ctx.businessDisplayNumber, id: wamid } } : {};
  const base: Record<string, unknown> = {
    ...context(m.replyTo),
    ...(m.forwarded ? { context: { forwarded: true } } : {}),
    ...(m.referral ? { referral: m.referral } : {}),
  };
  switch (m.type) {
    case 'text':
      return { ...base, type: 'text', text: { body: m.text } };
    case 'button_reply': {
      const { message, option } = findOption(ctx, m.to, 'button', m.id, m.title);
      return {
        ...base,
        ...context(message?.wamid),
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: option.id, title: option.title } },
      };
    }
    case 'list_reply': {
      const { message, option } = findOption(ctx, m.to, 'list', m.id, m.title);
      const description = m.description ?? option.description;
      return {
        ...base,
        ...context(message?.wamid),
        type: 'interactive',
        interactive: {
          type: 'list_reply',
          list_reply: { id: option.id, title: option.title, ...(description ? { description } : {}) },
        },
      };
    }
    case 'template_button': {
      const target = m.to ? ctx.botMessage(m.to) : ctx.lastBotMessage((b) => b.type === 'template');
      return {
        ...base,
        ...context(target?.wamid),
        type: 'button',
        button: { payload: m.payload ?? m.text, text: m.text },
      };
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const mimeType = m.mimeType ?? DEFAULT_MIME[m.type] ?? 'application/octet-stream';
      const stored = ctx.storeMedia(m.data ?? new TextEncoder().encode(`simulated ${m.type}`), mimeType);
      const object: Record<string, unknown> = {
        mime_type: mimeType,
        sha256: stored.sha256,
        id: m.mediaId ?? stored.id,
      };
      if ('caption' in m && m.caption !== undefined) object.caption = m.caption;
      if (m.type === 'document') object.filename = m.filename ?? 'document.pdf';
      if (m.type === 'audio') object.voice = m.voice ?? false;
      if (m.type === 'sticker') object.animated = m.animated ?? false;
      return { ...base, type: m.type, [m.type]: object };
    }
    case 'location': {
      const { type: _t, replyTo: _r, forwarded: _f, referral: _ref, ...location } = m;
      return { ...base, type: 'location', location };
    }
    case 'contacts':
      return { ...base, type: 'contacts', contacts: m.contacts };
    case 'reaction': {
      const target = m.to ?? ctx.lastBotMessage((b) => b.type !== 'reaction')?.wamid;
      if (!target)
        throw new UserMessageError('Nothing to react to: the bot has not sent this user a message yet.');
      return {
        ...base,
        type: 'reaction',
        reaction: { message_id: target, ...(m.emoji ? { emoji: m.emoji } : {}) },
      };
    }
    case 'unsupported':
      return {
        ...base,
        type: 'unsupported',
        unsupported: { type: m.kind },
        errors: [
          {
            code: 131051,
            title: 'Message type unknown',
            message: 'Message type unknown',
            error_data: { details: 'Message type is currently not supported.' },
          },
        ],
      };
  }
}

interface Option {
  id: string;
  title: string;
  description?: string;
}

function optionsOf(message: RecordedMessage, kind: 'button' | 'list'): Option[] {
  const interactive = message.payload.interactive as Record<string, unknown> | undefined;
  if (!interactive || interactive.type !== kind) return [];
  const action = interactive.action as Record<string, unknown>;
  if (kind === 'button') {
    return ((action.buttons ?? []) as Array<{ reply: Option }>).map((b) => b.reply);
  }
  return ((action.sections ?? []) as Array<{ rows: Option[] }>).flatMap((s) => s.rows);
}

function findOption(
  ctx: UserMessageContext,
  to: string | undefined,
  kind: 'button' | 'list',
  id: string | undefined,
  title: string | undefined,
): { message?: RecordedMessage; option: Option } {
  const message = to ? ctx.botMessage(to) : ctx.lastBotMessage((b) => optionsOf(b, kind).length > 0);
  const options = message ? optionsOf(message, kind) : [];
  const option = options.find((o) => (id !== undefined ? o.id === id : o.title === title));
  if (option) return { message, option };
  if (id !== undefined) return { message, option: { id, title: title ?? id } };
  const offered = options.map((o) => `"${o.title}"`).join(', ') || 'none';
  throw new UserMessageError(
    `No ${kind === 'button' ? 'button' : 'list row'} titled "${title ?? ''}" in the bot's last ${kind} message (offered: ${offered}).`,
  );
}
