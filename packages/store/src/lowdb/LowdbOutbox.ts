import type { OutboxRecord, TranscriptEntry } from '@parley/flow';
import { applyOutboxPatch } from '../applyOutboxPatch.js';
import type { OutboxPatch } from '../Store.js';
import { copyPlain } from './copyPlain.js';
import type { StoredOutbox } from './conversationDocument.js';
import type { DocumentChange } from './documentRecord.js';
import type { ChangeFn } from './footprint.js';
import type { LowdbDocuments } from './LowdbDocuments.js';
import type { LowdbIndexes, UnsentRow } from './LowdbIndexes.js';
import { transcriptAppendChange } from './lowdbTranscript.js';

/**
 * The lowdb store's outbox. A claim is journaled (`sending` with its lease, as PostgreSQL does):
 * a row that may have been sent before a crash is not sent again by the next start; it waits for
 * its lease to expire, meanwhile its status webhook (callback data) reconciles it.
 */
export class LowdbOutbox {
  readonly #docs: LowdbDocuments;
  readonly #indexes: () => LowdbIndexes;
  readonly #change: ChangeFn;
  readonly #now: () => number;

  constructor(input: {
    docs: LowdbDocuments;
    indexes: () => LowdbIndexes;
    change: ChangeFn;
    now: () => number;
  }) {
    this.#docs = input.docs;
    this.#indexes = input.indexes;
    this.#change = input.change;
    this.#now = input.now;
  }

  /** A stored row as callers see it: `sending` while leased in memory. */
  open(stored: StoredOutbox): OutboxRecord {
    return this.#view(this.#docs.openOutbox(copyPlain(stored)));
  }

  #view(row: OutboxRecord): OutboxRecord {
    if (row.status === 'pending' && this.#indexes().outboxLeases.has(row.id)) row.status = 'sending';
    return row;
  }

  async get(id: string): Promise<OutboxRecord | null> {
    const conversationId = this.#indexes().outboxConversation.get(id);
    if (!conversationId) return null;
    const stored = (await this.#docs.read(conversationId)).outbox.find((row) => row.id === id);
    return stored ? this.open(stored) : null;
  }

  findByWamid(wamid: string): Promise<OutboxRecord | null> {
    const id = this.#indexes().wamids.get(wamid);
    return id ? this.get(id) : Promise.resolve(null);
  }

  /** A conversation's rows in sending order. */
  async list(conversationId: string): Promise<OutboxRecord[]> {
    if (!this.#indexes().docIds.has(conversationId)) return [];
    const doc = await this.#docs.read(conversationId);
    return doc.outbox.map((row) => this.open(row)).sort((a, b) => a.seq - b.seq);
  }

  /** Rows not yet sent: `pending`, or `sending` with an unknown outcome. */
  countPending(): number {
    let count = 0;
    for (const rows of this.#indexes().unsent.values()) count += rows.length;
    return count;
  }

  async claim(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]> {
    const indexes = this.#indexes();
    // Due heads in `nextAttemptAt` order from the heap (no scan of every conversation); an entry
    // is taken only while it still describes the conversation's first unsent row, still pending.
    const chosen: { conversationId: string; id: string }[] = [];
    // Marked in the index at once, so a concurrent claim in this process cannot pick them too.
    const marked = new Map<string, UnsentRow>();
    while (chosen.length < limit) {
      const top = indexes.outboxHeads.peek();
      if (!top || top.key > now) break;
      indexes.outboxHeads.pop();
      const row = indexes.unsent.get(top.value)?.[0];
      if (!row || row.status !== 'pending' || row.nextAttemptAt !== top.key) continue;
      Object.assign(row, { status: 'sending', leaseUntil });
      marked.set(row.id, row);
      chosen.push({ conversationId: top.value, id: row.id });
    }
    // The claim is journaled before the row is handed out (like PostgreSQL's UPDATE): after a
    // kill -9 mid-send the row stays `sending` until its lease expires, so the status webhook
    // (callback data) can reconcile it instead of a restart sending it a second time.
    const rows = await Promise.all(
      chosen.map((head) =>
        this.#change(head.conversationId, (doc) => {
          const stored = doc.outbox.find((row) => row.id === head.id);
          // Changed meanwhile (sent, erased): the re-index that followed that change fixed the index.
          if (!stored || stored.status !== 'pending') return { result: null };
          // openOutbox and resealOutbox return fresh objects: set on them, no further copies.
          const opened = this.#docs.openOutbox(stored);
          const row: OutboxRecord = { ...opened, status: 'sending' as const, updatedAt: now };
          const sealed: StoredOutbox = Object.assign(this.#docs.resealOutbox(row, opened, stored), {
            leaseOwner: owner,
            leaseUntil,
          });
          return { result: row, change: { out: [sealed] } };
        }).catch((error: unknown) => {
          // Not durable: the row was not claimed after all.
          const row = marked.get(head.id);
          if (row?.status === 'sending' && row.leaseUntil === leaseUntil) {
            Object.assign(row, { status: 'pending', leaseUntil: 0 });
            indexes.queueOutboxHead(head.conversationId);
          }
          throw error;
        }),
      ),
    );
    return rows.filter((row): row is OutboxRecord => row !== null);
  }

  /** `transcript`: entries written in the same change (see `Store.updateOutbox`). */
  update(id: string, patch: OutboxPatch, transcript: TranscriptEntry[] = []): Promise<boolean> {
    const indexes = this.#indexes();
    const conversationId = indexes.outboxConversation.get(id);
    if (!conversationId) return Promise.resolve(false);
    return this.#change(conversationId, (doc) => {
      const stored = doc.outbox.find((row) => row.id === id);
      if (!stored) return { result: false };
      if (patch.claimedBy !== undefined && !this.#claimedBy(stored, patch.claimedBy))
        return { result: false };
      // No deep copy: the patch builds a new row and stored rows are replaced, never mutated.
      const opened = this.#view(this.#docs.openOutbox(stored));
      const row = applyOutboxPatch(opened, patch, this.#now());
      // The outcome is recorded: the lease ends with it.
      indexes.outboxLeases.delete(id);
      const change: DocumentChange = { out: [this.#docs.resealOutbox(row, opened, stored)] };
      // An entry id already stored is skipped, as `appendTranscript` skips it (see `sentEntryId`).
      const entries = transcript.length > 0 ? transcriptAppendChange(this.#docs, doc, transcript) : null;
      if (entries) change.tr = entries.tr;
      return { result: true, change };
    });
  }

  /** Whether `owner`'s claim on the row still stands (journaled lease, or the in-memory one). */
  #claimedBy(stored: StoredOutbox, owner: string): boolean {
    if (stored.status === 'sending') return stored.leaseOwner === owner;
    return stored.status === 'pending' && this.#indexes().outboxLeases.get(stored.id)?.owner === owner;
  }

  async recoverExpired(now: number): Promise<number> {
    const indexes = this.#indexes();
    const stored: { conversationId: string; id: string }[] = [];
    let recovered = 0;
    for (const [conversationId, rows] of indexes.unsent) {
      for (const row of rows) {
        if (row.status !== 'sending' || row.leaseUntil > now) continue;
        if (indexes.outboxLeases.delete(row.id)) {
          Object.assign(row, { status: 'pending', leaseUntil: 0 });
          indexes.queueOutboxHead(conversationId);
          recovered += 1;
        } else stored.push({ conversationId, id: row.id });
      }
    }
    // Rows stored as `sending` (written by older versions, or patched so): back to `pending` on disk.
    const results = await Promise.all(
      stored.map(({ conversationId, id }) =>
        this.#change(conversationId, (doc) => {
          const row = doc.outbox.find((candidate) => candidate.id === id);
          if (!row || row.status !== 'sending' || (row.leaseUntil ?? 0) > now) return { result: 0 };
          const opened = this.#docs.openOutbox(row);
          const next = { ...opened, status: 'pending' as const, updatedAt: now };
          return { result: 1, change: { out: [this.#docs.resealOutbox(next, opened, row)] } };
        }),
      ),
    );
    return results.reduce((sum: number, n) => sum + n, recovered);
  }
}
