import type { ContactExport, Store } from '../Store.js';
import { syntheticContact } from '../syntheticContact.js';
import type { LowdbDocuments } from './LowdbDocuments.js';

/**
 * Everything the lowdb store holds about one contact (its conversation shares its id), or null
 * when it holds nothing.
 */
export async function exportLowdbContact(
  contactId: string,
  store: Pick<Store, 'getConversation' | 'getContact' | 'listTranscript' | 'listOutbox'>,
  docs: LowdbDocuments,
): Promise<ContactExport | null> {
  const [conversation, contact, transcripts, outbox] = await Promise.all([
    store.getConversation(contactId),
    store.getContact(contactId),
    store.listTranscript(contactId),
    store.listOutbox(contactId),
  ]);
  const doc = await docs.read(contactId);
  const base = contact ?? syntheticContact(contactId, conversation);
  if (!base) return null;
  return {
    contact: base,
    conversations: conversation ? [conversation] : [],
    transcripts,
    outbox,
    timers: structuredClone(doc.timers),
  };
}
