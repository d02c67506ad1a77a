import type { ConversationDocument } from './conversationDocument.js';
import { hashInboxId } from './conversationDocument.js';
import type { LowdbDocuments } from './LowdbDocuments.js';
import type { LowdbInbox } from './LowdbInbox.js';
import type { LowdbIndexes } from './LowdbIndexes.js';

type Change = <R>(
  id: string,
  fn: (doc: ConversationDocument) => Promise<{ result: R; write: boolean }>,
) => Promise<R>;

/**
 * Erases a contact from the lowdb store: its document and transcript overflow file are deleted
 * and the inbox journal is rewritten without its pending messages. Only dedupe hashes remain
 * (no personal data), so a redelivered message does not bring the erased conversation back.
 */
export async function eraseLowdbContact(input: {
  contactId: string;
  indexes: LowdbIndexes;
  docs: LowdbDocuments;
  inbox: LowdbInbox;
  change: Change;
}): Promise<{ erased: boolean }> {
  const { contactId, indexes, docs, inbox, change } = input;
  const hadPending = indexes.pendingByConversation.has(contactId);
  const erased = await change(contactId, async (doc) => {
    const existed = indexes.docIds.has(contactId);
    for (const entry of doc.inboxDone) indexes.journalDone.set(entry.h, entry.at);
    await docs.overflow.rewrite(contactId, []);
    Object.assign(doc, {
      conversation: null,
      contact: null,
      outbox: [],
      timers: [],
      transcript: [],
      inboxDone: [],
    });
    delete doc.overflowCount;
    delete doc.overflowOldestAt;
    return { result: existed, write: true };
  });
  for (const row of [...(indexes.pendingByConversation.get(contactId) ?? [])]) {
    indexes.removePendingInbox(row.id);
    indexes.journalDone.set(hashInboxId(row.id), row.receivedAt);
  }
  indexes.conversationLeases.delete(contactId);
  await inbox.compact();
  return { erased: erased || hadPending };
}
