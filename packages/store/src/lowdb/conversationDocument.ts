import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { TimerRecord } from '@parley/flow';

/** A stored record: sealed when content encryption is on (see sealFields). */
export type StoredRecord = Record<string, unknown> & { id: string };

/** An outbox row as stored: the record plus its claim lease. */
export type StoredOutbox = StoredRecord & { leaseOwner?: string; leaseUntil?: number };

/**
 * Everything about one conversation, in one small file, so a commit unit is one atomic write.
 * Older transcript entries go to an append-only overflow file (see README).
 */
export interface ConversationDocument {
  v: 1;
  id: string;
  conversation: StoredRecord | null;
  contact: StoredRecord | null;
  outbox: StoredOutbox[];
  timers: TimerRecord[];
  /** The most recent transcript entries (at most TRANSCRIPT_IN_DOCUMENT). */
  transcript: StoredRecord[];
  /** Hashes of inbox ids consumed by commits, with their arrival time (dedupe, purged by retention). */
  inboxDone: { h: string; at: number }[];
  /** Oldest entry time in the overflow file, so retention knows whether to rewrite it. */
  overflowOldestAt?: number;
  /** How many entries the overflow file holds. */
  overflowCount?: number;
  /** The last document-journal record this version includes (replay applies only newer ones). */
  lsn?: number;
}

/** How many transcript entries stay in the conversation document; older ones overflow. */
export const TRANSCRIPT_IN_DOCUMENT = 200;

/** How many consumed inbox hashes stay in the document; older ones move to the inbox journal. */
export const INBOX_DONE_IN_DOCUMENT = 200;

/** A filename-safe, fixed-length name for an attacker-controlled id. */
export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 40);
}

/** The short hash used for inbox dedupe keys (wamids are not personal data, but ids we derive may be). */
export function hashInboxId(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 24);
}

/** `conversations/<2 hex>/<40 hex>.json`: 256 folders keep directories small at 100k conversations. */
export function conversationPath(dataDir: string, id: string): string {
  const hash = hashId(id);
  return join(dataDir, 'conversations', hash.slice(0, 2), `${hash}.json`);
}

/** The append-only transcript overflow file of a conversation. */
export function transcriptOverflowPath(dataDir: string, id: string): string {
  const hash = hashId(id);
  return join(dataDir, 'transcripts', hash.slice(0, 2), `${hash}.ndjson`);
}

/** An empty document for a conversation id. */
export function emptyDocument(id: string): ConversationDocument {
  return {
    v: 1,
    id,
    conversation: null,
    contact: null,
    outbox: [],
    timers: [],
    transcript: [],
    inboxDone: [],
  };
}

/** True when the document holds nothing worth a file. */
export function isEmptyDocument(doc: ConversationDocument): boolean {
  return (
    doc.conversation === null &&
    doc.contact === null &&
    doc.outbox.length === 0 &&
    doc.timers.length === 0 &&
    doc.transcript.length === 0 &&
    doc.inboxDone.length === 0
  );
}
