import type { ContactRecord, ConversationRecord } from '@parley/flow';

/** The contact an export reports when only the conversation is stored (no profile was ever seen). */
export function syntheticContact(id: string, conversation: ConversationRecord | null): ContactRecord | null {
  if (!conversation) return null;
  return {
    id,
    phoneNumberId: conversation.phoneNumberId,
    userId: conversation.userId,
    optedOut: false,
    firstSeenAt: conversation.startedAt,
    lastUserMessageAt: conversation.lastUserMessageAt,
  };
}
