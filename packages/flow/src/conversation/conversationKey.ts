import { z } from 'zod';

/**
 * Who a conversation is with: the business phone number id plus the user's id — the
 * business-scoped user id (BSUID) when Meta sends one, else the wa_id.
 */
export const conversationKeySchema = z.object({
  phoneNumberId: z.string().min(1),
  userId: z.string().min(1),
});
export type ConversationKey = z.infer<typeof conversationKeySchema>;

/**
 * The key as one string, used as a storage id and a queue key.
 * @example conversationKeyId({ phoneNumberId: '1055', userId: '31612345678' }) // '1055:31612345678'
 */
export function conversationKeyId(key: ConversationKey): string {
  return `${key.phoneNumberId}:${key.userId}`;
}

/** The inverse of conversationKeyId. The phone number id never holds a colon; the user id may. */
export function parseConversationKeyId(id: string): ConversationKey {
  const at = id.indexOf(':');
  if (at <= 0) throw new Error(`Not a conversation key: ${id}`);
  return { phoneNumberId: id.slice(0, at), userId: id.slice(at + 1) };
}

/** Every id we know for the user; the phone number (waId) may be absent for username users. */
export const contactIdentitySchema = z.object({
  waId: z.string().optional(),
  bsuid: z.string().optional(),
  /** The parent business-scoped user id (`parent_user_id`), when Meta sends one. */
  parentBsuid: z.string().optional(),
  name: z.string().optional(),
  username: z.string().optional(),
});
export type ContactIdentity = z.infer<typeof contactIdentitySchema>;
