import type { ContactRecord, ConversationRecord, OutboxRecord } from '@parley/flow';
import type { StoredOutbox, StoredRecord } from './conversationDocument.js';

/**
 * The fields of a conversation and of an outbox row the indexes read. None of them is sealed
 * (see `sealedFieldsOf`; a test keeps it so), so the indexes read them from the stored records
 * as they are: opening a row or a conversation (a copy, or a decryption) on every change only to
 * read its status was ~3 % of the server's allocations per reply (the thirteenth session's heap
 * sampling, README), and with content encryption a decryption per change.
 */
export const INDEXED_CONVERSATION_FIELDS = ['botId', 'status', 'updatedAt', 'userId'] as const;
export const INDEXED_OUTBOX_FIELDS = ['id', 'seq', 'status', 'wamid', 'nextAttemptAt', 'updatedAt'] as const;
export type IndexedConversation = Pick<ConversationRecord, (typeof INDEXED_CONVERSATION_FIELDS)[number]>;
export type IndexedOutbox = Pick<OutboxRecord, (typeof INDEXED_OUTBOX_FIELDS)[number]>;

/** Views of stored records for indexing; only the contact's name needs opening. */
export interface IndexOpener {
  conversation(stored: StoredRecord | null): IndexedConversation | null;
  contact(stored: StoredRecord | null): ContactRecord | null;
  outbox(stored: StoredOutbox): IndexedOutbox;
}

/** The indexing views of a store whose sealed fields `openContact` opens. */
export function indexOpener(openContact: (stored: StoredRecord | null) => ContactRecord | null): IndexOpener {
  return {
    conversation: (stored) => stored as unknown as IndexedConversation | null,
    contact: openContact,
    outbox: (stored) => stored as unknown as IndexedOutbox,
  };
}
