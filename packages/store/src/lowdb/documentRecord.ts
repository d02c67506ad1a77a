import type { TimerRecord } from '@parley/flow';
import { StoreError } from '../errors.js';
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
  /**
   * Only in the journal: outbox rows the document already held, as the fields that changed
   * (applied after `out`; see `toJournalForm`).
   */
  op?: OutboxRowPatch[];
  /** Transcript entries to append. */
  tr?: StoredRecord[];
  /** Inbox dedupe hashes to append. */
  done?: { h: string; at: number }[];
  /** The whole document (erasure, retention): replaces everything. */
  img?: ConversationDocument;
}

/** The fields of a stored outbox row that a change set (`set`) or removed (`unset`). */
export interface OutboxRowPatch {
  id: string;
  set: Record<string, unknown>;
  unset?: string[];
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
  if (record.op && record.op.length > 0) doc.outbox = patchRows(doc.outbox, record.op, record.n);
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

/**
 * The form a record is journaled in: each outbox row the document held before it goes as the
 * fields that changed, not whole. A claim, a send's answer or a status moves a few small fields
 * of a row whose message is most of its size, so this halves the journal's bytes per reply (and
 * the JSON, checksum and copies that go with them). Replay applies records in order onto the
 * version before them, which holds every row a patch names. `before`: the document's outbox
 * before the record was applied.
 */
export function toJournalForm(record: DocumentRecord, before: readonly StoredOutbox[]): DocumentRecord {
  if (!record.out || record.out.length === 0 || record.img || before.length === 0) return record;
  // Only the rows this record names are looked up (a conversation's outbox keeps every row sent).
  const given = new Map<string, StoredOutbox>();
  const out: StoredOutbox[] = [];
  const op: OutboxRowPatch[] = [];
  for (const row of record.out) {
    // A row given twice in one change: the second version is a patch of the first.
    const previous = given.get(row.id) ?? before.find((stored) => stored.id === row.id);
    given.set(row.id, row);
    if (previous) op.push(diffRow(previous, row));
    else out.push(row);
  }
  if (op.length === 0) return record;
  const { out: _whole, ...rest } = record;
  return out.length > 0 ? { ...rest, out, op } : { ...rest, op };
}

function diffRow(before: StoredOutbox, after: StoredOutbox): OutboxRowPatch {
  const set: Record<string, unknown> = {};
  let unset: string[] | undefined;
  for (const key in after) {
    const value = after[key];
    if (value !== undefined && !sameJson(before[key], value)) set[key] = value;
  }
  // An undefined field is absent once written as JSON.
  for (const key in before)
    if (before[key] !== undefined && after[key] === undefined) (unset ??= []).push(key);
  return unset ? { id: after.id, set, unset } : { id: after.id, set };
}

/** Equal as JSON values (rows replace, never mutate, so unchanged parts are usually the same object). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const bKeys = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) =>
    sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

function patchRows(
  outbox: readonly StoredOutbox[],
  patches: readonly OutboxRowPatch[],
  n: number,
): StoredOutbox[] {
  const rows = outbox.slice();
  for (const patch of patches) {
    const index = rows.findIndex((row) => row.id === patch.id);
    if (index < 0)
      throw new StoreError(
        'store.corrupt_document',
        `Document journal record ${n} changes outbox row ${patch.id}, which its document does not hold: the journal or the document files were changed by hand or damaged.`,
      );
    const row: StoredOutbox = { ...rows[index]!, ...patch.set };
    for (const key of patch.unset ?? []) delete row[key];
    rows[index] = row;
  }
  return rows;
}
