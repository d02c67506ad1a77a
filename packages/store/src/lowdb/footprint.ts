import type { ConversationDocument } from './conversationDocument.js';
import type { DocumentChange } from './documentRecord.js';

/** A change on one document: `fn` reads it and returns the change to journal (or none). */
export type ChangeFn = <R>(
  id: string,
  fn: (
    doc: ConversationDocument,
  ) => Promise<{ result: R; change?: DocumentChange | null }> | { result: R; change?: DocumentChange | null },
) => Promise<R>;

/** A whole-document change on a private copy (erasure, retention). */
export type ImageChangeFn = <R>(
  id: string,
  fn: (doc: ConversationDocument) => Promise<{ result: R; write: boolean }>,
) => Promise<R>;

/**
 * What the indexes need to forget a document's previous version: shallow copies of the arrays
 * (changes replace rows, never mutate them), instead of a deep clone of the whole document.
 */
export function footprint(doc: ConversationDocument): ConversationDocument {
  return {
    ...doc,
    outbox: doc.outbox.slice(),
    timers: doc.timers.slice(),
    inboxDone: doc.inboxDone.slice(),
    transcript: [],
  };
}
