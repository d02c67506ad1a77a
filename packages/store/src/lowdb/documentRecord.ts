import type { TimerRecord } from '@parley/flow';
import type { ConversationDocument, StoredOutbox, StoredRecord } from './conversationDocument.js';

/**
 * One mutation of one conversation document, as written to the document journal: small
 * (only what changed), applied to the in-memory document at once and replayed on `init()` onto
 * documents whose `lsn` is older. Whole-field replacements keep replay simple and exact.
 */
export interface DocumentRecord {
  /** Sequence number. */
  n: number;
  /** Conversation id. */
  d: string;
  conversation?: StoredRecord | null;
  contact?: StoredRecord | null;
  timers?: TimerRecord[];
  /** Outbox rows to insert or replace (by id). */
  out?: StoredOutbox[];
  /** Transcript entries to append. */
  tr?: StoredRecord[];
  /** Inbox dedupe hashes to append. */
  done?: { h: string; at: number }[];
  /** The whole document (erasure, retention): replaces everything. */
  img?: ConversationDocument;
}

/** What a change asks for: a record without its number and document id. */
export type DocumentChange = Omit<DocumentRecord, 'n' | 'd'>;

/** Restores the document as it was before `applyRecord` (after a failed journal write). */
export type Undo = () => void;

/**
 * Applies a record to a document in place, replacing (never mutating) the rows it touches, so a
 * shallow copy of the arrays taken before still describes the previous version.
 */
export function applyRecord(doc: ConversationDocument, record: DocumentChange & { n: number }): Undo {
  const saved = { ...doc };
  const savedOutbox = doc.outbox;
  const savedTranscriptLength = doc.transcript.length;
  const savedDoneLength = doc.inboxDone.length;
  if (record.img) {
    const { id: _id, ...rest } = record.img;
    for (const key of Object.keys(doc) as (keyof ConversationDocument)[])
      if (key !== 'id' && !(key in rest)) delete doc[key];
    Object.assign(doc, structuredClone(rest));
  }
  if (record.conversation !== undefined) doc.conversation = record.conversation;
  if (record.contact !== undefined) doc.contact = record.contact;
  if (record.timers) doc.timers = record.timers;
  if (record.out && record.out.length > 0) {
    const outbox = doc.outbox.slice();
    for (const row of record.out) {
      const index = outbox.findIndex((stored) => stored.id === row.id);
      if (index >= 0) outbox[index] = row;
      else outbox.push(row);
    }
    doc.outbox = outbox;
  }
  if (record.tr) for (const entry of record.tr) doc.transcript.push(entry);
  if (record.done) for (const entry of record.done) doc.inboxDone.push(entry);
  doc.lsn = record.n;
  return () => {
    if (record.img) {
      for (const key of Object.keys(doc) as (keyof ConversationDocument)[]) delete doc[key];
      Object.assign(doc, saved);
      return;
    }
    doc.transcript.length = savedTranscriptLength;
    doc.inboxDone.length = savedDoneLength;
    Object.assign(doc, saved, { outbox: savedOutbox });
  };
}
