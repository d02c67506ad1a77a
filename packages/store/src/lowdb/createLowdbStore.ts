import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CommitUnit,
  ContactRecord,
  ConversationRecord,
  InboxRecord,
  OutboxRecord,
  TimerRecord,
  TranscriptEntry,
} from '@parley/flow';
import { applyOutboxPatch } from '../applyOutboxPatch.js';
import type { Cipher } from '../crypto/createCipher.js';
import { createFieldCodec } from '../crypto/FieldCodec.js';
import type { ContactExport, ConversationFilter, OutboxPatch, PurgeReport, Store } from '../Store.js';
import { silentLogger, systemClock, type StoreClock, type StoreLogger } from '../types.js';
import {
  hashInboxId,
  INBOX_DONE_IN_DOCUMENT,
  TRANSCRIPT_IN_DOCUMENT,
  type ConversationDocument,
} from './conversationDocument.js';
import { acquireDataDirLock } from './DataDirLock.js';
import { InboxJournal } from './InboxJournal.js';
import { LowdbInbox } from './LowdbInbox.js';
import { LowdbCatalog } from './LowdbCatalog.js';
import { LowdbCollections } from './LowdbCollections.js';
import { LowdbDocuments } from './LowdbDocuments.js';
import { LowdbIndexes } from './LowdbIndexes.js';
import { purgeLowdbDocuments } from './purgeLowdbDocuments.js';
import { eraseLowdbContact } from './eraseLowdbContact.js';
import { syntheticContact } from '../syntheticContact.js';

/** Options of the embedded store. */
export interface LowdbStoreOptions {
  /** The data folder (DATA_DIR). */
  dataDir: string;
  /** Needed for content encryption. */
  cipher?: Cipher;
  /** Seal snapshots, variables, message content and contact details (needs `cipher`). */
  contentEncryption: boolean;
  clock?: StoreClock;
  /** fsync files and folders so acknowledged data survives power loss. @default true */
  fsync?: boolean;
  log?: StoreLogger;
  /** Parsed conversation documents kept in memory. @default 1000 */
  cacheSize?: number;
}

/**
 * The embedded store: one small JSON document per conversation (atomic writes), a group-committed
 * inbox journal, lowdb `Low` files for bots, users, tokens and flow versions, indexes in memory.
 * @example const store = createLowdbStore({ dataDir: './data', contentEncryption: false }); await store.init();
 */
export function createLowdbStore(options: LowdbStoreOptions): Store {
  return new LowdbStore(options);
}

const NEVER = Number.POSITIVE_INFINITY;

class LowdbStore extends LowdbCatalog implements Store {
  readonly #dataDir: string;
  readonly #clock: StoreClock;
  readonly #log: StoreLogger;
  readonly #docs: LowdbDocuments;
  readonly #journal: InboxJournal;
  #indexes = new LowdbIndexes();
  #release: (() => Promise<void>) | null = null;
  readonly #inbox: LowdbInbox;

  constructor(options: LowdbStoreOptions) {
    const fsync = options.fsync ?? true;
    super(new LowdbCollections(options.dataDir, { fsync }));
    this.#dataDir = options.dataDir;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? silentLogger;
    const codec = createFieldCodec({ cipher: options.cipher, contentEncryption: options.contentEncryption });
    this.#docs = new LowdbDocuments(options.dataDir, { fsync, codec, cacheSize: options.cacheSize });
    this.#journal = new InboxJournal(join(options.dataDir, 'inbox.ndjson'), { fsync });
    this.#inbox = new LowdbInbox(this.#journal, codec, () => this.#indexes);
  }

  async init(): Promise<void> {
    await mkdir(this.#dataDir, { recursive: true });
    this.#release = await acquireDataDirLock(this.#dataDir);
    try {
      this.#indexes = new LowdbIndexes();
      await this.collections.init();
      const started = this.#clock.now();
      const count = await this.#scanDocuments();
      await this.#inbox.replay();
      this.#log.info(
        { conversations: count, ms: this.#clock.now() - started },
        'store: lowdb documents indexed',
      );
    } catch (error) {
      await this.#release();
      this.#release = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (!this.#release) return;
    await this.#docs.drain();
    await this.#journal.drain();
    await this.collections.drain();
    await this.#release();
    this.#release = null;
  }

  async ping(): Promise<boolean> {
    return this.#release !== null;
  }

  async #scanDocuments(): Promise<number> {
    const root = join(this.#dataDir, 'conversations');
    await mkdir(root, { recursive: true });
    let count = 0;
    for (const shard of await readdir(root)) {
      const dir = join(root, shard);
      const names = await readdir(dir).catch(() => [] as string[]);
      // Bounded parallelism: fast on a page-cached disk without opening thousands of files at once.
      for (let i = 0; i < names.length; i += 64) {
        await Promise.all(
          names.slice(i, i + 64).map(async (name) => {
            const path = join(dir, name);
            if (name.endsWith('.tmp')) {
              // A write that never reached its rename: it was never acknowledged.
              await unlink(path).catch(() => undefined);
              return;
            }
            const doc = await this.#docs.readPath(path);
            if (!doc) return;
            this.#index(doc);
            count += 1;
          }),
        );
      }
    }
    return count;
  }

  /** Indexes a stored document (opening sealed fields), replacing its previous entries. */
  #index(doc: ConversationDocument, previous?: ConversationDocument): void {
    const timers = previous ? this.#indexes.timersOf(previous) : undefined;
    if (previous) this.#indexes.remove(previous);
    this.#indexes.add(
      doc,
      {
        conversation: this.#docs.openConversation(doc.conversation),
        contact: this.#docs.openContact(doc.contact),
        outbox: doc.outbox.map((row) => this.#docs.openOutbox(row)),
      },
      timers,
    );
  }

  /** Runs a change on one document under its lock and re-indexes it once written. */
  #change<R>(
    id: string,
    fn: (doc: ConversationDocument) => Promise<{ result: R; write: boolean }> | { result: R; write: boolean },
  ): Promise<R> {
    return this.#docs.exclusive(id, async (doc) => {
      const before = structuredClone(doc);
      const outcome = await fn(doc);
      // Re-indexed even without a write: a claim may have marked the index ahead of the file.
      return { ...outcome, after: () => this.#index(doc, before) };
    });
  }

  // ── inbox ────────────────────────────────────────────────────────────────────
  appendInbox(records: InboxRecord[]): Promise<string[]> {
    return this.#inbox.append(records);
  }

  async claimInbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<InboxRecord[]> {
    return this.#inbox.claim(owner, now, leaseUntil, limit);
  }

  async releaseInboxClaims(owner: string): Promise<void> {
    this.#inbox.release(owner);
  }

  markInboxDone(ids: string[]): Promise<void> {
    return this.#inbox.markDone(ids);
  }

  // ── commit unit ──────────────────────────────────────────────────────────────
  async commit(unit: CommitUnit): Promise<{ ok: true } | { ok: false; reason: 'conflict' }> {
    const now = this.#clock.now();
    const outcome = await this.#change(unit.conversationId, async (doc) => {
      const current = doc.conversation ? (doc.conversation.revision as number) : null;
      const expected = unit.expectedRevision;
      if (expected === null ? current !== null : current !== expected) return { result: false, write: false };
      doc.conversation = unit.conversation ? this.#docs.sealConversation(unit.conversation) : null;
      if (unit.contact) doc.contact = this.#docs.sealContact(unit.contact);
      const known = new Set(doc.outbox.map((row) => row.id));
      for (const row of unit.outbox) if (!known.has(row.id)) doc.outbox.push(this.#docs.sealOutbox(row));
      doc.transcript.push(...unit.transcript.map((entry) => this.#docs.sealTranscript(entry)));
      await this.#overflowTranscript(doc);
      const cancelled = new Set([...unit.timersCancelled, ...unit.timersSet.map((timer) => timer.id)]);
      doc.timers = [...doc.timers.filter((timer) => !cancelled.has(timer.id)), ...unit.timersSet];
      const done = new Set(doc.inboxDone.map((entry) => entry.h));
      for (const id of unit.inboxDone) {
        const hash = hashInboxId(id);
        if (done.has(hash)) continue;
        doc.inboxDone.push({ h: hash, at: this.#indexes.pendingInbox.get(id)?.receivedAt ?? now });
      }
      if (doc.inboxDone.length > INBOX_DONE_IN_DOCUMENT) {
        // Keep documents small for chatty conversations: older dedupe hashes move to the journal,
        // durably, before the document that drops them is written.
        const moved = doc.inboxDone.slice(0, doc.inboxDone.length - INBOX_DONE_IN_DOCUMENT / 2);
        await this.#inbox.recordDone(moved);
        doc.inboxDone = doc.inboxDone.slice(moved.length);
      }
      return { result: true, write: true };
    });
    if (!outcome) return { ok: false, reason: 'conflict' };
    for (const id of unit.inboxDone) this.#indexes.removePendingInbox(id);
    return { ok: true };
  }

  /** Moves the oldest transcript entries beyond the document bound to the overflow file. */
  async #overflowTranscript(doc: ConversationDocument): Promise<void> {
    const excess = doc.transcript.length - TRANSCRIPT_IN_DOCUMENT;
    if (excess <= 0) return;
    const moved = doc.transcript.slice(0, excess);
    // Appended before the document is rewritten: a crash in between duplicates, never loses (reads dedupe by id).
    await this.#docs.appendOverflow(doc.id, moved);
    doc.transcript = doc.transcript.slice(excess);
    doc.overflowCount = (doc.overflowCount ?? 0) + moved.length;
    const oldest = Math.min(...moved.map((entry) => entry.at as number));
    doc.overflowOldestAt = Math.min(doc.overflowOldestAt ?? NEVER, oldest);
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    if (!this.#indexes.docIds.has(id)) return null;
    return this.#docs.openConversation(structuredClone((await this.#docs.read(id)).conversation));
  }

  async listConversations(
    filter: ConversationFilter,
  ): Promise<{ items: ConversationRecord[]; total: number }> {
    const needle = filter.contact?.toLowerCase();
    const matches: { id: string; updatedAt: number }[] = [];
    for (const [id, summary] of this.#indexes.summaries) {
      if (filter.botId !== undefined && summary.botId !== filter.botId) continue;
      if (filter.status !== undefined && summary.status !== filter.status) continue;
      if (
        needle &&
        !summary.userId.toLowerCase().includes(needle) &&
        !(summary.contactName ?? '').toLowerCase().includes(needle)
      )
        continue;
      matches.push({ id, updatedAt: summary.updatedAt });
    }
    matches.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1));
    const offset = filter.offset ?? 0;
    const page = matches.slice(offset, offset + (filter.limit ?? 50));
    const items = await Promise.all(page.map((match) => this.getConversation(match.id)));
    return {
      items: items.filter((item): item is ConversationRecord => item !== null),
      total: matches.length,
    };
  }

  async countConversations(): Promise<number> {
    return this.#indexes.summaries.size;
  }

  // ── contacts ─────────────────────────────────────────────────────────────────
  async getContact(id: string): Promise<ContactRecord | null> {
    if (!this.#indexes.docIds.has(id)) return null;
    return this.#docs.openContact(structuredClone((await this.#docs.read(id)).contact));
  }

  async upsertContact(contact: ContactRecord): Promise<void> {
    await this.#change(contact.id, (doc) => {
      doc.contact = this.#docs.sealContact(contact);
      return { result: undefined, write: true };
    });
  }

  // ── transcript ───────────────────────────────────────────────────────────────
  async listTranscript(
    conversationId: string,
    options: { afterAt?: number; limit?: number } = {},
  ): Promise<TranscriptEntry[]> {
    if (!this.#indexes.docIds.has(conversationId)) return [];
    const doc = await this.#docs.read(conversationId);
    const stored = doc.overflowCount
      ? [...(await this.#docs.readOverflow(conversationId)), ...doc.transcript]
      : doc.transcript;
    const seen = new Set<string>();
    const entries: TranscriptEntry[] = [];
    for (const entry of stored) {
      if (seen.has(entry.id)) continue;
      seen.add(entry.id);
      if (options.afterAt !== undefined && (entry.at as number) <= options.afterAt) continue;
      entries.push(this.#docs.openTranscript(structuredClone(entry)));
    }
    // Stable sort: entries of one instant keep their commit order.
    entries.sort((a, b) => a.at - b.at);
    return options.limit === undefined ? entries : entries.slice(0, options.limit);
  }

  async appendTranscript(entries: TranscriptEntry[]): Promise<void> {
    const byConversation = new Map<string, TranscriptEntry[]>();
    for (const entry of entries)
      byConversation.set(entry.conversationId, [...(byConversation.get(entry.conversationId) ?? []), entry]);
    await Promise.all(
      [...byConversation].map(([id, list]) =>
        this.#change(id, async (doc) => {
          const known = new Set(doc.transcript.map((entry) => entry.id));
          doc.transcript.push(
            ...list.filter((entry) => !known.has(entry.id)).map((entry) => this.#docs.sealTranscript(entry)),
          );
          await this.#overflowTranscript(doc);
          return { result: undefined, write: true };
        }),
      ),
    );
  }

  // ── outbox ───────────────────────────────────────────────────────────────────
  async claimOutbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]> {
    const heads: { conversationId: string; id: string; nextAttemptAt: number }[] = [];
    for (const [conversationId, rows] of this.#indexes.unsent) {
      const head = rows[0];
      if (head && head.status === 'pending' && head.nextAttemptAt <= now)
        heads.push({ conversationId, id: head.id, nextAttemptAt: head.nextAttemptAt });
    }
    heads.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    const chosen = heads.slice(0, limit);
    // Marked in the index at once, so a concurrent claim in this process cannot pick them too.
    for (const head of chosen) {
      const row = this.#indexes.unsent.get(head.conversationId)?.[0];
      if (row) Object.assign(row, { status: 'sending', leaseUntil });
    }
    const claimed = await Promise.all(
      chosen.map((head) =>
        this.#change(head.conversationId, (doc) => {
          const index = doc.outbox.findIndex((row) => row.id === head.id);
          const stored = doc.outbox[index];
          if (!stored || stored.status !== 'pending') return { result: null, write: false };
          const row: OutboxRecord = { ...this.#docs.openOutbox(stored), status: 'sending', updatedAt: now };
          doc.outbox[index] = { ...this.#docs.sealOutbox(row), leaseOwner: owner, leaseUntil };
          return { result: row, write: true };
        }),
      ),
    );
    return claimed.filter((row): row is OutboxRecord => row !== null);
  }

  async updateOutbox(id: string, patch: OutboxPatch): Promise<OutboxRecord | null> {
    const conversationId = this.#indexes.outboxConversation.get(id);
    if (!conversationId) return null;
    return this.#change(conversationId, (doc) => {
      const index = doc.outbox.findIndex((row) => row.id === id);
      const stored = doc.outbox[index];
      if (!stored) return { result: null, write: false };
      const row = applyOutboxPatch(this.#docs.openOutbox(stored), patch, this.#clock.now());
      doc.outbox[index] = this.#docs.sealOutbox(row);
      return { result: row, write: true };
    });
  }

  async getOutbox(id: string): Promise<OutboxRecord | null> {
    const conversationId = this.#indexes.outboxConversation.get(id);
    if (!conversationId) return null;
    const stored = (await this.#docs.read(conversationId)).outbox.find((row) => row.id === id);
    return stored ? this.#docs.openOutbox(structuredClone(stored)) : null;
  }

  async findOutboxByWamid(wamid: string): Promise<OutboxRecord | null> {
    const id = this.#indexes.wamids.get(wamid);
    return id ? this.getOutbox(id) : null;
  }

  async listOutbox(conversationId: string): Promise<OutboxRecord[]> {
    if (!this.#indexes.docIds.has(conversationId)) return [];
    const doc = await this.#docs.read(conversationId);
    return doc.outbox.map((row) => this.#docs.openOutbox(structuredClone(row))).sort((a, b) => a.seq - b.seq);
  }

  async recoverExpiredOutbox(now: number): Promise<number> {
    const expired: { conversationId: string; id: string }[] = [];
    for (const [conversationId, rows] of this.#indexes.unsent) {
      for (const row of rows)
        if (row.status === 'sending' && row.leaseUntil <= now) expired.push({ conversationId, id: row.id });
    }
    const results = await Promise.all(
      expired.map(({ conversationId, id }) =>
        this.#change(conversationId, (doc) => {
          const index = doc.outbox.findIndex((row) => row.id === id);
          const stored = doc.outbox[index];
          if (
            !stored ||
            stored.status !== 'sending' ||
            ((stored.leaseUntil as number | undefined) ?? 0) > now
          )
            return { result: 0, write: false };
          doc.outbox[index] = this.#docs.sealOutbox({
            ...this.#docs.openOutbox(stored),
            status: 'pending',
            updatedAt: now,
          });
          return { result: 1, write: true };
        }),
      ),
    );
    return results.reduce((sum: number, n) => sum + n, 0);
  }

  /** Rows not yet sent: `pending`, or `sending` with an unknown outcome. */
  async countPendingOutbox(): Promise<number> {
    let count = 0;
    for (const rows of this.#indexes.unsent.values()) count += rows.length;
    return count;
  }

  // ── timers ───────────────────────────────────────────────────────────────────
  async claimDueTimers(
    _owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<TimerRecord[]> {
    return this.#indexes.claimDueTimers(now, leaseUntil, limit);
  }

  async deleteTimer(id: string): Promise<void> {
    const entry = this.#indexes.timers.get(id);
    if (!entry) return;
    await this.#change(entry.timer.conversationId, (doc) => {
      const rest = doc.timers.filter((timer) => timer.id !== id);
      const changed = rest.length !== doc.timers.length;
      doc.timers = rest;
      return { result: undefined, write: changed };
    });
  }

  async nextTimerDueAt(): Promise<number | null> {
    return this.#indexes.nextTimerDueAt();
  }

  // ── privacy ──────────────────────────────────────────────────────────────────
  async exportContact(contactId: string): Promise<ContactExport | null> {
    if (!this.#indexes.docIds.has(contactId)) return null;
    const [conversation, contact, transcripts, outbox] = await Promise.all([
      this.getConversation(contactId),
      this.getContact(contactId),
      this.listTranscript(contactId),
      this.listOutbox(contactId),
    ]);
    const doc = await this.#docs.read(contactId);
    const base = contact ?? syntheticContact(contactId, conversation);
    if (!base) return null;
    return {
      contact: base,
      conversations: conversation ? [conversation] : [],
      transcripts,
      outbox,
      timers: structuredClone(doc.timers),
    };
  }

  eraseContact(contactId: string): Promise<{ erased: boolean }> {
    return eraseLowdbContact({
      contactId,
      indexes: this.#indexes,
      docs: this.#docs,
      inbox: this.#inbox,
      change: (id, fn) => this.#change(id, fn),
    });
  }

  async purgeOlderThan(before: number): Promise<PurgeReport> {
    const report = await purgeLowdbDocuments({
      before,
      indexes: this.#indexes,
      docs: this.#docs,
      change: (id, fn) => this.#change(id, fn),
    });
    for (const [hash, at] of this.#indexes.journalDone) {
      if (at < before) {
        this.#indexes.journalDone.delete(hash);
        report.inboxRows += 1;
      }
    }
    await this.#inbox.compact();
    await this.collections.update('sessions', this.collections.db.sessions, (data) => {
      data.sessions = data.sessions.filter((session) => session.expiresAt >= before);
    });
    return report;
  }
}
