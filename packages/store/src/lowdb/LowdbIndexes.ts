import type {
  ContactRecord,
  ConversationRecord,
  ConversationStatus,
  InboxRecord,
  OutboxRecord,
  TimerRecord,
} from '@parley/flow';
import { FINISHED_OUTBOX_STATUSES } from '../applyOutboxPatch.js';
import type { ConversationDocument } from './conversationDocument.js';
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
  readonly pendingInbox = new Map<string, InboxRecord & { arrival: number }>();
  readonly pendingByConversation = new Map<string, (InboxRecord & { arrival: number })[]>();
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
      conversation: ConversationRecord | null;
      contact: ContactRecord | null;
      outbox: OutboxRecord[];
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
    let purgeable = Number.POSITIVE_INFINITY;
    const unsent: UnsentRow[] = [];
    for (const [index, row] of opened.outbox.entries()) {
      this.outboxConversation.set(row.id, doc.id);
      if (row.wamid) this.wamids.set(row.wamid, row.id);
      if (row.status === 'pending' || row.status === 'sending') {
        const lease = row.status === 'pending' ? this.outboxLeases.get(row.id) : undefined;
        unsent.push({
          id: row.id,
          seq: row.seq,
          status: lease ? 'sending' : row.status,
          nextAttemptAt: row.nextAttemptAt,
          leaseUntil: lease ? lease.until : (doc.outbox[index]?.leaseUntil ?? 0),
        });
      } else if (FINISHED_OUTBOX_STATUSES.includes(row.status)) {
        purgeable = Math.min(purgeable, row.updatedAt);
      }
    }
    if (unsent.length > 0)
      this.unsent.set(
        doc.id,
        unsent.sort((a, b) => a.seq - b.seq),
      );
    for (const timer of doc.timers) {
      const previous = previousTimers.get(timer.id);
      const leaseUntil = previous && previous.timer.dueAt === timer.dueAt ? previous.leaseUntil : null;
      this.timers.set(timer.id, { timer, leaseUntil });
      if (!previous || previous.timer.dueAt !== timer.dueAt || previous.leaseUntil !== leaseUntil)
        this.timerHeap.push(leaseUntil ?? timer.dueAt, timer.id);
    }
    for (const done of doc.inboxDone) {
      this.docDone.set(done.h, done.at);
      purgeable = Math.min(purgeable, done.at);
    }
    for (const entry of doc.transcript) purgeable = Math.min(purgeable, entry.at as number);
    if (doc.overflowOldestAt !== undefined) purgeable = Math.min(purgeable, doc.overflowOldestAt);
    if (opened.conversation) purgeable = Math.min(purgeable, opened.conversation.updatedAt);
    else if (opened.contact)
      purgeable = Math.min(purgeable, opened.contact.lastUserMessageAt ?? opened.contact.firstSeenAt);
    this.purgeableAt.set(doc.id, purgeable);
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
  }

  /** Removes a pending inbox row; returns it when it was pending. */
  removePendingInbox(id: string): (InboxRecord & { arrival: number }) | undefined {
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
