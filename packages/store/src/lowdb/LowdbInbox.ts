import type { InboxRecord } from '@parley/flow';
import type { FieldCodec } from '../crypto/FieldCodec.js';
import { aadFor, openFields, sealFields, sealedFieldsOf } from '../crypto/sealFields.js';
import { hashInboxId } from './conversationDocument.js';
import type { InboxJournal, JournalLine } from './InboxJournal.js';
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
    const hash = hashInboxId(id);
    return (
      this.#reserved.has(id) ||
      indexes.pendingInbox.has(id) ||
      indexes.docDone.has(hash) ||
      indexes.journalDone.has(hash)
    );
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

  claim(owner: string, now: number, leaseUntil: number, limit: number): InboxRecord[] {
    const { pendingByConversation, conversationLeases, inboxLeases } = this.#indexes();
    const candidates: { conversationId: string; first: number }[] = [];
    for (const [conversationId, rows] of pendingByConversation) {
      const lease = conversationLeases.get(conversationId);
      if (lease && lease.owner !== owner && lease.until > now) continue;
      const free = rows.find((row) => (inboxLeases.get(row.id)?.until ?? 0) <= now);
      if (free) candidates.push({ conversationId, first: free.arrival });
    }
    candidates.sort((a, b) => a.first - b.first);
    const claimed: InboxRecord[] = [];
    for (const { conversationId } of candidates) {
      if (claimed.length >= limit) break;
      conversationLeases.set(conversationId, { owner, until: leaseUntil });
      for (const row of pendingByConversation.get(conversationId) ?? []) {
        if (claimed.length >= limit) break;
        if ((inboxLeases.get(row.id)?.until ?? 0) > now) continue;
        inboxLeases.set(row.id, { owner, until: leaseUntil });
        row.attempts += 1;
        const { arrival: _arrival, ...record } = row;
        claimed.push(structuredClone(record));
      }
    }
    return claimed;
  }

  release(owner: string): void {
    const { inboxLeases, conversationLeases } = this.#indexes();
    for (const [id, lease] of inboxLeases) if (lease.owner === owner) inboxLeases.delete(id);
    for (const [id, lease] of conversationLeases) if (lease.owner === owner) conversationLeases.delete(id);
  }

  async markDone(ids: string[]): Promise<void> {
    const indexes = this.#indexes();
    const lines: JournalLine[] = [];
    for (const id of ids) {
      const row = indexes.pendingInbox.get(id);
      if (row) lines.push({ t: 'done', h: hashInboxId(id), at: row.receivedAt });
    }
    await this.#journal.append(lines);
    this.#rowsWritten += lines.length;
    for (const id of ids) {
      const row = indexes.removePendingInbox(id);
      if (row) indexes.journalDone.set(hashInboxId(id), row.receivedAt);
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
