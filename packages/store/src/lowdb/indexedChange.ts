import type { ConversationDocument } from './conversationDocument.js';
import type { DocumentChange } from './documentRecord.js';
import { footprint } from './footprint.js';
import type { LowdbDocuments } from './LowdbDocuments.js';
import type { IndexOpener } from './indexViews.js';
import type { LowdbIndexes } from './LowdbIndexes.js';

// How a lowdb document changes and the in-memory indexes follow: one change at a time under the
// document's lock, and, at start, the journal's records replayed.

/**
 * Makes the change `fn` returns on one document under its lock; once durable, the indexes take
 * the entries the change touched (a whole re-index only for images and the rare cases
 * `applyChange` declines).
 */
export function indexedChange<R>(
  docs: LowdbDocuments,
  indexes: LowdbIndexes,
  opener: IndexOpener,
  id: string,
  fn: (
    doc: ConversationDocument,
  ) => Promise<{ result: R; change?: DocumentChange | null }> | { result: R; change?: DocumentChange | null },
): Promise<R> {
  return docs.exclusive(id, async (doc) => {
    const outcome = await fn(doc);
    const change = outcome.change;
    if (!change) return outcome;
    if (change.img) {
      const before = footprint(doc);
      return { ...outcome, after: () => indexes.reindex(doc, before, opener) };
    }
    // Changes replace these arrays (and append to the others), never mutate them in place.
    const previous = { outbox: doc.outbox, timers: doc.timers, inboxDone: doc.inboxDone.length };
    return {
      ...outcome,
      after: () => {
        if (indexes.applyChange(doc, change, previous, opener)) return;
        const before: ConversationDocument = {
          ...doc,
          outbox: previous.outbox,
          timers: previous.timers,
          inboxDone: doc.inboxDone.slice(0, previous.inboxDone),
          transcript: [],
        };
        indexes.reindex(doc, before, opener);
      },
    };
  });
}

/**
 * At start: applies the journal records newer than their documents (numbering goes on after
 * `maxLsn`, the highest number a stored document carries), then re-indexes the documents they
 * touched. Returns how many records applied.
 */
export async function replayDocumentJournal(
  docs: LowdbDocuments,
  maxLsn: number,
  reindex: (doc: ConversationDocument, before: ConversationDocument) => void,
): Promise<number> {
  const records = await docs.open();
  docs.journal.advance(maxLsn);
  const touched = new Map<string, ConversationDocument>();
  let applied = 0;
  for (const record of records) {
    if (!touched.has(record.d)) touched.set(record.d, footprint(await docs.read(record.d)));
    if (await docs.replay(record)) applied += 1;
  }
  for (const [id, before] of touched) reindex(await docs.read(id), before);
  return applied;
}
