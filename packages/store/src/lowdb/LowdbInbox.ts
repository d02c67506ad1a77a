import type { InboxRecord } from '@parley/flow';
import type { FieldCodec } from '../crypto/FieldCodec.js';
import { aadFor, openFields, sealFields, sealedFieldsOf } from '../crypto/sealFields.js';
import { hashInboxId } from './conversationDocument.js';
import type { InboxJournal, JournalLine } from './InboxJournal.js';
import { copyPlain } from './copyPlain.js';
import type { LowdbIndexes } from './LowdbIndexes.js';

/**
 * The lowdb store's inbox: rows live in the group-committed journal until a commit unit (which
 * records their hashes in its conversation document) or `markInboxDone` consumes them.
 * Claims and leases are in memory: one process owns the data folder.
 */
export class LowdbInbox {
  readonly #journal: InboxJournal;
  readonly #codec: FieldCodec;
  readonly #indexes: () => LowdbIndexes;
  /** Rows being appended: deduplicated against, written by a compaction, not yet claimable. */
  readonly #reserved = new Map<string, InboxRecord>();
  /** Lines in the journal file since its last rewrite. */
  #rowsWritten = 0;

  constructor(journal: InboxJournal, codec: FieldCodec, indexes: () => LowdbIndexes) {
    this.#journal = journal;
    this.#codec = codec;
    this.#indexes = indexes;
  }

  /** Rebuilds pending rows and done markers from the journal (after the documents were indexed). */
  async replay(): Promise<void> {
    const indexes = this.#indexes();
    const lines = await this.#journal.readAll();
    for (const line of lines) if (line.t === 'done') indexes.journalDone.set(line.h, line.at);
    for (const line of lines) {
      if (line.t !== 'row') continue;
      const row = openFields<InboxRecord>(this.#codec, line.r, aadFor.inbox(String(line.r.id)));
      if (row.status === 'done' || this.isKnown(row.id)) continue;
      indexes.addPendingInbox(row);
    }
    // Rewriting at start also drops a torn tail, so the next append starts on a clean line.
    await this.compact();
  }

  /** True when the id is pending, being appended, or done within retention. */
  isKnown(id: string): boolean {
    const indexes = this.#indexes();
    if (this.#reserved.has(id) || indexes.pendingInbox.has(id)) return true;
    const hash = hashInboxId(id);
    return indexes.docDone.has(hash) || indexes.journalDone.has(hash);
  }

  /** Rewrites the journal with the pending rows and the done markers only. */
  compact(): Promise<void> {
    return this.#journal.compact(() => {
      const indexes = this.#indexes();
      const lines: JournalLine[] = [];
      for (const [h, at] of indexes.journalDone) lines.push({ t: 'done', h, at });
      for (const row of indexes.pendingInbox.values()) {
        const { arrival: _arrival, ...record } = row;
        lines.push({ t: 'row', r: this.#seal(record) });
      }
      for (const row of this.#reserved.values()) lines.push({ t: 'row', r: this.#seal(row) });
      this.#rowsWritten = lines.length;
      return lines;
    });
  }

  async append(records: InboxRecord[]): Promise<string[]> {
    const fresh: InboxRecord[] = [];
    for (const record of records) {
      if (this.isKnown(record.id)) continue;
      const row: InboxRecord = { ...record, status: 'pending', attempts: record.attempts ?? 0 };
      // Reserved before the write, so a concurrent duplicate is not accepted twice.
      this.#reserved.set(row.id, row);
      fresh.push(row);
    }
    try {
      await this.#journal.append(fresh.map((row) => ({ t: 'row', r: this.#seal(row) })));
    } finally {
      for (const row of fresh) this.#reserved.delete(row.id);
    }
    // Claimable only once durable.
    for (const row of fresh) this.#indexes().addPendingInbox(row);
    // A duplicate that raced an in-flight append is acknowledged only once the original is on disk.
    if (fresh.length < records.length) await this.#journal.drain();
    this.#rowsWritten += fresh.length;
    return fresh.map((row) => row.id);
  }

  /**
   * Leases the free rows of the conversations whose first free row arrived first (one claimant
   * per conversation), taking them from the ready heap instead of scanning every conversation
   * with pending rows: the cost follows what is claimed, not the backlog.
   */
  claim(owner: string, now: number, leaseUntil: number, limit: number): InboxRecord[] {
    const indexes = this.#indexes();
    const { pendingByConversation, conversationLeases, inboxLeases, inboxReady, inboxExpiry } = indexes;
    // Leases that ran out: their conversations' rows are free again.
    for (let top = inboxExpiry.peek(); top && top.key <= now; top = inboxExpiry.peek()) {
      inboxExpiry.pop();
      this.#queue(top.value, now);
    }
    const claimed: InboxRecord[] = [];
    // Held by another owner: back in the heap afterwards, for that owner's own claims.
    const elsewhere: { key: number; value: string }[] = [];
    while (claimed.length < limit) {
      const top = inboxReady.pop();
      if (!top) break;
      const conversationId = top.value;
      const rows = pendingByConversation.get(conversationId);
      const free = rows?.find((row) => (inboxLeases.get(row.id)?.until ?? 0) <= now);
      // Nothing free: the rows' lease ends are in the expiry heap (or the rows are gone).
      if (!rows || !free) continue;
      // A stale lower bound (its row was done or leased meanwhile): in line again at the real one.
      if (free.arrival > top.key) {
        inboxReady.push(free.arrival, conversationId);
        continue;
      }
      const lease = conversationLeases.get(conversationId);
      if (lease && lease.owner !== owner && lease.until > now) {
        elsewhere.push(top);
        continue;
      }
      conversationLeases.set(conversationId, { owner, until: leaseUntil });
      inboxExpiry.push(leaseUntil, conversationId);
      for (const row of rows) {
        if (claimed.length >= limit) break;
        if ((inboxLeases.get(row.id)?.until ?? 0) > now) continue;
        inboxLeases.set(row.id, { owner, until: leaseUntil });
        row.attempts += 1;
        const { arrival: _arrival, ...record } = row;
        claimed.push(copyPlain(record));
      }
      // Rows left free by the limit: first in line next time.
      this.#queue(conversationId, now);
    }
    for (const entry of elsewhere) inboxReady.push(entry.key, entry.value);
    return claimed;
  }

  /** Puts the conversation in the ready heap at its first row free at `now` (if any). */
  #queue(conversationId: string, now: number): void {
    const { pendingByConversation, inboxLeases, inboxReady } = this.#indexes();
    const free = pendingByConversation
      .get(conversationId)
      ?.find((row) => (inboxLeases.get(row.id)?.until ?? 0) <= now);
    if (free) inboxReady.push(free.arrival, conversationId);
  }

  /** Extends the owner's leases on these conversations and their claimed rows; returns those renewed. */
  renew(owner: string, conversationIds: string[], leaseUntil: number): string[] {
    const { pendingByConversation, conversationLeases, inboxLeases, inboxExpiry } = this.#indexes();
    const renewed: string[] = [];
    for (const conversationId of conversationIds) {
      const lease = conversationLeases.get(conversationId);
      if (lease?.owner !== owner) continue;
      lease.until = Math.max(lease.until, leaseUntil);
      for (const row of pendingByConversation.get(conversationId) ?? []) {
        const rowLease = inboxLeases.get(row.id);
        if (rowLease?.owner === owner) rowLease.until = Math.max(rowLease.until, leaseUntil);
      }
      inboxExpiry.push(lease.until, conversationId);
      renewed.push(conversationId);
    }
    return renewed;
  }

  /** Drops the owner's leases, on the given conversations or on all of them. */
  release(owner: string, conversationIds?: string[]): void {
    const { inboxLeases, conversationLeases, pendingInbox, pendingByConversation } = this.#indexes();
    const released = new Set<string>();
    if (conversationIds) {
      // Only pending rows hold leases (done rows lose theirs): the conversations' rows are enough.
      for (const conversationId of conversationIds) {
        for (const row of pendingByConversation.get(conversationId) ?? []) {
          if (inboxLeases.get(row.id)?.owner === owner && inboxLeases.delete(row.id))
            released.add(conversationId);
        }
        if (conversationLeases.get(conversationId)?.owner === owner) {
          conversationLeases.delete(conversationId);
          released.add(conversationId);
        }
      }
    } else {
      for (const [id, lease] of inboxLeases) {
        if (lease.owner !== owner) continue;
        inboxLeases.delete(id);
        const conversationId = pendingInbox.get(id)?.conversationId;
        if (conversationId !== undefined) released.add(conversationId);
      }
      for (const [id, lease] of conversationLeases) {
        if (lease.owner !== owner) continue;
        conversationLeases.delete(id);
        released.add(id);
      }
    }
    // The first row's arrival is a lower bound of the first free one: the claim corrects it.
    for (const conversationId of released) {
      const first = pendingByConversation.get(conversationId)?.[0];
      if (first) this.#indexes().inboxReady.push(first.arrival, conversationId);
    }
  }

  async markDone(ids: string[]): Promise<void> {
    const indexes = this.#indexes();
    const lines: (JournalLine & { t: 'done' })[] = [];
    const hashes = new Map<string, string>();
    for (const id of ids) {
      const row = indexes.pendingInbox.get(id);
      if (!row) continue;
      const h = hashInboxId(id);
      hashes.set(id, h);
      lines.push({ t: 'done', h, at: row.receivedAt });
    }
    await this.#journal.append(lines);
    this.#rowsWritten += lines.length;
    for (const id of ids) {
      const row = indexes.removePendingInbox(id);
      if (row) indexes.journalDone.set(hashes.get(id) ?? hashInboxId(id), row.receivedAt);
    }
    // Compact when the file holds half again as many lines as a rewrite would: it stays small.
    const live = indexes.pendingInbox.size + indexes.journalDone.size + this.#reserved.size;
    if (this.#rowsWritten > 1000 && this.#rowsWritten > 1.5 * live) await this.compact();
  }

  /** Writes done markers for hashes leaving a conversation document (durable on resolve). */
  async recordDone(entries: { h: string; at: number }[]): Promise<void> {
    await this.#journal.append(entries.map((entry) => ({ t: 'done', h: entry.h, at: entry.at })));
    this.#rowsWritten += entries.length;
    for (const entry of entries) this.#indexes().journalDone.set(entry.h, entry.at);
  }

  #seal(row: InboxRecord): Record<string, unknown> {
    return sealFields(this.#codec, row, sealedFieldsOf.inbox, aadFor.inbox(row.id));
  }
}
