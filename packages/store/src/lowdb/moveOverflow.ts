import {
  INBOX_DONE_IN_DOCUMENT,
  TRANSCRIPT_IN_DOCUMENT,
  type ConversationDocument,
} from './conversationDocument.js';
import type { LowdbDocuments } from './LowdbDocuments.js';
import type { LowdbInbox } from './LowdbInbox.js';

/**
 * Runs before a document is written back: transcript entries beyond the in-document bound go to
 * the overflow file and old dedupe hashes to the inbox journal, each durably BEFORE the document
 * that drops them is written (a crash in between duplicates, which reads dedupe by id; it never
 * loses). Returns whether the document changed (then it must be re-indexed).
 */
export async function moveOverflow(
  doc: ConversationDocument,
  input: { docs: LowdbDocuments; inbox: LowdbInbox },
): Promise<boolean> {
  let changed = false;
  const excess = doc.transcript.length - TRANSCRIPT_IN_DOCUMENT;
  if (excess > 0) {
    const moved = doc.transcript.slice(0, excess);
    await input.docs.overflow.append(doc.id, moved);
    doc.transcript = doc.transcript.slice(excess);
    doc.overflowCount = (doc.overflowCount ?? 0) + moved.length;
    let oldest = doc.overflowOldestAt ?? Number.POSITIVE_INFINITY;
    for (const entry of moved) oldest = Math.min(oldest, entry.at as number);
    doc.overflowOldestAt = oldest;
    changed = true;
  }
  if (doc.inboxDone.length > INBOX_DONE_IN_DOCUMENT) {
    const moved = doc.inboxDone.slice(0, doc.inboxDone.length - INBOX_DONE_IN_DOCUMENT / 2);
    await input.inbox.recordDone(moved);
    doc.inboxDone = doc.inboxDone.slice(moved.length);
    changed = true;
  }
  return changed;
}
