import type { ContactRecord, ConversationStatus, InboxRecord, TimerRecord } from '@parley/flow';
import { FINISHED_OUTBOX_STATUSES, isUnsentOutbox } from '../applyOutboxPatch.js';
import { isEmptyDocument, type ConversationDocument, type StoredOutbox } from './conversationDocument.js';
import type { DocumentChange } from './documentRecord.js';
import type { IndexedConversation, IndexedOutbox, IndexOpener } from './indexViews.js';
import { MinHeap } from './MinHeap.js';

/** What listing and filtering need of a conversation, kept in memory (never the snapshot). */
export interface ConversationSummary {
  botId: string;
  status: ConversationStatus;
  updatedAt: number;
  userId: string;
  contactName: string | undefined;
}

/** One not-yet-sent outbox row, as the claim index sees it. */
export interface UnsentRow {
  id: string;
  seq: number;
  status: 'pending' | 'sending';
  nextAttemptAt: number;
  leaseUntil: number;
}

/**
 * The terms of a document's `purgeableAt`, kept apart so a change updates only its own term:
 * finished outbox rows, append-only entries (transcript, dedupe hashes, overflow), and the
 * conversation's (or contact's) last activity.
 */
interface PurgeParts {
  rows: number;
  appended: number;
  owner: number;
}

/** A pending inbox row in the claim index. */
export type PendingInbox = InboxRecord & { arrival: number };

/** A timer with its in-memory claim. */
interface TimerEntry {
  timer: TimerRecord;
  leaseUntil: number | null;
}

/**
 * The lowdb store's in-memory indexes, rebuilt from the documents on `init()`, so claims and
 * listings never scan every conversation file.
 */
export class LowdbIndexes {
  readonly docIds = new Set<string>();
  readonly summaries = new Map<string, ConversationSummary>();
  readonly outboxConversation = new Map<string, string>();
  readonly wamids = new Map<string, string>();
  readonly unsent = new Map<string, UnsentRow[]>();
  readonly timers = new Map<string, TimerEntry>();
  readonly timerHeap = new MinHeap<string>();
  /** Smallest time at which something in the document becomes purgeable. */
  readonly purgeableAt = new Map<string, number>();
  /** Dedupe: hashes of inbox ids consumed by commits (in documents) or marked done (in the journal). */
  readonly docDone = new Map<string, number>();
  readonly journalDone = new Map<string, number>();
  readonly pendingInbox = new Map<string, PendingInbox>();
  readonly pendingByConversation = new Map<string, PendingInbox[]>();
  /**
   * Claim order without scans. `outboxHeads`: (nextAttemptAt, conversation) pushed whenever a
   * conversation's first unsent row becomes claimable. `inboxReady`: (arrival, conversation), a
   * lower bound of the arrival of the conversation's first free row, pushed when a row becomes
   * free. `inboxExpiry`: (lease end, conversation), so rows come back when their leases run out.
   * Entries are never removed in place: a claim checks each against the current state (lazy
   * deletion), so a stale or duplicate entry costs one pop.
   */
  readonly outboxHeads = new MinHeap<string>();
  readonly inboxReady = new MinHeap<string>();
  readonly inboxExpiry = new MinHeap<string>();
  readonly #purgeParts = new Map<string, PurgeParts>();
  readonly inboxLeases = new Map<string, { owner: string; until: number }>();
  readonly conversationLeases = new Map<string, { owner: string; until: number }>();
  /** Legacy in-memory outbox claims (claims are now journaled as `sending`); they survive re-indexing. */
  readonly outboxLeases = new Map<string, { owner: string; until: number }>();
  #arrival = 0;

  /** Removes a document's previous entries (call before `add` with the new version). */
  remove(doc: ConversationDocument): void {
    this.docIds.delete(doc.id);
    this.summaries.delete(doc.id);
    this.purgeableAt.delete(doc.id);
    this.#purgeParts.delete(doc.id);
    for (const row of doc.outbox) {
      this.outboxConversation.delete(row.id);
      if (typeof row.wamid === 'string') this.wamids.delete(row.wamid);
    }
    this.unsent.delete(doc.id);
    for (const timer of doc.timers) this.timers.delete(timer.id);
    for (const done of doc.inboxDone) this.docDone.delete(done.h);
  }

  /** Indexes an opened document: conversation, contact, outbox rows and timers in plain form. */
  add(
    doc: ConversationDocument,
    opened: {
      conversation: IndexedConversation | null;
      contact: ContactRecord | null;
      outbox: IndexedOutbox[];
    },
    previousTimers: ReadonlyMap<string, TimerEntry> = new Map(),
  ): void {
    if (
      doc.conversation === null &&
      doc.contact === null &&
      doc.outbox.length === 0 &&
      doc.timers.length === 0 &&
      doc.transcript.length === 0 &&
      doc.inboxDone.length === 0
    )
      return;
    this.docIds.add(doc.id);
    if (opened.conversation) {
      this.summaries.set(doc.id, {
        botId: opened.conversation.botId,
        status: opened.conversation.status,
        updatedAt: opened.conversation.updatedAt,
        userId: opened.conversation.userId,
        contactName: opened.contact?.name,
      });
    }
    const parts: PurgeParts = {
      rows: Number.POSITIVE_INFINITY,
      appended: Number.POSITIVE_INFINITY,
      owner: ownerTerm(opened.conversation, opened.contact),
    };
    const unsent: UnsentRow[] = [];
    for (const [index, row] of opened.outbox.entries()) {
      this.outboxConversation.set(row.id, doc.id);
      if (row.wamid) this.wamids.set(row.wamid, row.id);
      if (row.status === 'pending' || row.status === 'sending')
        unsent.push(this.#unsentRow(row, doc.outbox[index]));
      else if (FINISHED_OUTBOX_STATUSES.includes(row.status))
        parts.rows = Math.min(parts.rows, row.updatedAt);
    }
    this.setUnsent(
      doc.id,
      unsent.sort((a, b) => a.seq - b.seq),
    );
    this.#indexTimers(doc.timers, previousTimers);
    for (const done of doc.inboxDone) {
      this.docDone.set(done.h, done.at);
      parts.appended = Math.min(parts.appended, done.at);
    }
    for (const entry of doc.transcript) parts.appended = Math.min(parts.appended, entry.at as number);
    if (doc.overflowOldestAt !== undefined) parts.appended = Math.min(parts.appended, doc.overflowOldestAt);
    this.#setPurgeParts(doc.id, parts);
  }

  /**
   * Updates the entries a journaled change touches (its rows, timers, hashes), instead of
   * re-indexing the whole document: a long conversation costs what the change costs. `previous`
   * holds the document's outbox and timers arrays from before the change (changes replace
   * arrays and rows, never mutate them). Returns false when the change needs a full re-index
   * (whole-document images, a document that empties, one indexed from a snapshot).
   */
  applyChange(
    doc: ConversationDocument,
    change: DocumentChange,
    previous: { outbox: readonly StoredOutbox[]; timers: readonly TimerRecord[] },
    open: IndexOpener,
  ): boolean {
    const parts = this.#purgeParts.get(doc.id);
    if (!parts || change.img || isEmptyDocument(doc)) return false;
    this.docIds.add(doc.id);
    if (change.conversation !== undefined || change.contact !== undefined) {
      const conversation = open.conversation(doc.conversation);
      const summary = this.summaries.get(doc.id);
      const contact =
        conversation && summary && change.contact === undefined ? undefined : open.contact(doc.contact);
      if (conversation) {
        this.summaries.set(doc.id, {
          botId: conversation.botId,
          status: conversation.status,
          updatedAt: conversation.updatedAt,
          userId: conversation.userId,
          contactName: contact === undefined ? summary?.contactName : contact?.name,
        });
      } else this.summaries.delete(doc.id);
      parts.owner = ownerTerm(conversation, contact ?? null);
    }
    if (change.out && change.out.length > 0) this.#applyOutbox(doc, change.out, previous.outbox, parts, open);
    if (change.timers) {
      const entries = new Map<string, TimerEntry>();
      for (const timer of previous.timers) {
        const entry = this.timers.get(timer.id);
        if (entry) entries.set(timer.id, entry);
        this.timers.delete(timer.id);
      }
      this.#indexTimers(doc.timers, entries);
    }
    if (change.done)
      for (const done of change.done) {
        this.docDone.set(done.h, done.at);
        parts.appended = Math.min(parts.appended, done.at);
      }
    if (change.tr)
      for (const entry of change.tr) parts.appended = Math.min(parts.appended, entry.at as number);
    this.#setPurgeParts(doc.id, parts);
    return true;
  }

  #applyOutbox(
    doc: ConversationDocument,
    changed: readonly StoredOutbox[],
    previous: readonly StoredOutbox[],
    parts: PurgeParts,
    open: IndexOpener,
  ): void {
    const list = this.unsent.get(doc.id)?.slice() ?? [];
    let recompute = false;
    for (const [position, stored] of changed.entries()) {
      // A row given twice in one change: its last version is the one in the document.
      if (changed.some((other, at) => at > position && other.id === stored.id)) continue;
      const row = open.outbox(stored);
      const before = previous.find((candidate) => candidate.id === stored.id);
      if (before) {
        if (typeof before.wamid === 'string' && before.wamid !== row.wamid) this.wamids.delete(before.wamid);
        const old = open.outbox(before);
        // The oldest finished row changed: its term must be found again among the rows.
        if (FINISHED_OUTBOX_STATUSES.includes(old.status) && old.updatedAt <= parts.rows) recompute = true;
      }
      this.outboxConversation.set(row.id, doc.id);
      if (row.wamid) this.wamids.set(row.wamid, row.id);
      const index = list.findIndex((entry) => entry.id === row.id);
      if (isUnsentOutbox(row.status)) {
        const entry = this.#unsentRow(row, stored);
        if (index >= 0 && list[index]!.seq === entry.seq) list[index] = entry;
        else {
          if (index >= 0) list.splice(index, 1);
          let at = list.length;
          while (at > 0 && list[at - 1]!.seq > entry.seq) at -= 1;
          list.splice(at, 0, entry);
        }
      } else {
        if (index >= 0) list.splice(index, 1);
        if (FINISHED_OUTBOX_STATUSES.includes(row.status)) parts.rows = Math.min(parts.rows, row.updatedAt);
      }
    }
    if (recompute) {
      parts.rows = Number.POSITIVE_INFINITY;
      for (const stored of doc.outbox) {
        const row = open.outbox(stored);
        if (FINISHED_OUTBOX_STATUSES.includes(row.status)) parts.rows = Math.min(parts.rows, row.updatedAt);
      }
    }
    this.setUnsent(doc.id, list);
  }

  /** Sets a conversation's unsent rows (sorted by `seq`); a claimable first row enters the claim heap. */
  setUnsent(docId: string, rows: UnsentRow[]): void {
    const head = this.unsent.get(docId)?.[0];
    if (rows.length > 0) this.unsent.set(docId, rows);
    else this.unsent.delete(docId);
    if (rows[0] !== head) this.queueOutboxHead(docId);
  }

  /** Makes the conversation's first unsent row findable by claims (call when it became `pending`). */
  queueOutboxHead(docId: string): void {
    const head = this.unsent.get(docId)?.[0];
    if (head?.status === 'pending') this.outboxHeads.push(head.nextAttemptAt, docId);
  }

  #unsentRow(row: IndexedOutbox, stored: StoredOutbox | undefined): UnsentRow {
    const lease = row.status === 'pending' ? this.outboxLeases.get(row.id) : undefined;
    return {
      id: row.id,
      seq: row.seq,
      status: lease ? 'sending' : (row.status as 'pending' | 'sending'),
      nextAttemptAt: row.nextAttemptAt,
      leaseUntil: lease ? lease.until : (stored?.leaseUntil ?? 0),
    };
  }

  #indexTimers(timers: readonly TimerRecord[], previousTimers: ReadonlyMap<string, TimerEntry>): void {
    for (const timer of timers) {
      const previous = previousTimers.get(timer.id);
      const leaseUntil = previous && previous.timer.dueAt === timer.dueAt ? previous.leaseUntil : null;
      this.timers.set(timer.id, { timer, leaseUntil });
      if (!previous || previous.timer.dueAt !== timer.dueAt || previous.leaseUntil !== leaseUntil)
        this.timerHeap.push(leaseUntil ?? timer.dueAt, timer.id);
    }
  }

  #setPurgeParts(docId: string, parts: PurgeParts): void {
    this.#purgeParts.set(docId, parts);
    this.purgeableAt.set(docId, Math.min(parts.rows, parts.appended, parts.owner));
  }

  /** Re-indexes a whole document: `before` is its previous version (see `footprint`). */
  reindex(doc: ConversationDocument, before: ConversationDocument | undefined, open: IndexOpener): void {
    const timers = before ? this.timersOf(before) : undefined;
    if (before) this.remove(before);
    this.add(
      doc,
      {
        conversation: open.conversation(doc.conversation),
        contact: open.contact(doc.contact),
        outbox: doc.outbox.map((row) => open.outbox(row)),
      },
      timers,
    );
  }

  /** The timer entries of a document, to carry their leases across a re-index. */
  timersOf(doc: ConversationDocument): Map<string, TimerEntry> {
    const entries = new Map<string, TimerEntry>();
    for (const timer of doc.timers) {
      const entry = this.timers.get(timer.id);
      if (entry) entries.set(timer.id, entry);
    }
    return entries;
  }

  /** Leases due timers (min-heap pops, no scan); a timer not deleted by `leaseUntil` is due again then. */
  claimDueTimers(now: number, leaseUntil: number, limit: number): TimerRecord[] {
    const claimed: TimerRecord[] = [];
    while (claimed.length < limit) {
      const top = this.timerHeap.peek();
      if (!top || top.key > now) break;
      this.timerHeap.pop();
      const entry = this.timers.get(top.value);
      // Lazy deletion: skip heap entries of deleted, moved or already re-leased timers.
      if (!entry || (entry.leaseUntil ?? entry.timer.dueAt) !== top.key) continue;
      entry.leaseUntil = leaseUntil;
      this.timerHeap.push(leaseUntil, entry.timer.id);
      claimed.push({ ...entry.timer });
    }
    return claimed;
  }

  /** When the next timer is due (or its lease runs out); stale heap entries are dropped on the way. */
  nextTimerDueAt(): number | null {
    for (let top = this.timerHeap.peek(); top; top = this.timerHeap.peek()) {
      const entry = this.timers.get(top.value);
      if (entry && (entry.leaseUntil ?? entry.timer.dueAt) === top.key) return top.key;
      this.timerHeap.pop();
    }
    return null;
  }

  /** Adds a pending inbox row (arrival order is the order rows were made durable). */
  addPendingInbox(row: InboxRecord): void {
    const entry = { ...row, arrival: (this.#arrival += 1) };
    this.pendingInbox.set(row.id, entry);
    const list = this.pendingByConversation.get(row.conversationId);
    if (list) list.push(entry);
    else this.pendingByConversation.set(row.conversationId, [entry]);
    this.inboxReady.push(entry.arrival, row.conversationId);
  }

  /** Removes a pending inbox row; returns it when it was pending. */
  removePendingInbox(id: string): PendingInbox | undefined {
    const entry = this.pendingInbox.get(id);
    if (!entry) return undefined;
    this.pendingInbox.delete(id);
    this.inboxLeases.delete(id);
    const list = this.pendingByConversation.get(entry.conversationId);
    if (list) {
      const rest = list.filter((row) => row.id !== id);
      if (rest.length > 0) this.pendingByConversation.set(entry.conversationId, rest);
      else this.pendingByConversation.delete(entry.conversationId);
    }
    return entry;
  }
}

/** The conversation's last activity, or the contact's when there is no conversation. */
function ownerTerm(conversation: IndexedConversation | null, contact: ContactRecord | null): number {
  if (conversation) return conversation.updatedAt;
  if (contact) return contact.lastUserMessageAt ?? contact.firstSeenAt;
  return Number.POSITIVE_INFINITY;
}
