import { mkdir } from 'node:fs/promises';
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
import type { Cipher } from '../crypto/createCipher.js';
import { createFieldCodec } from '../crypto/FieldCodec.js';
import type {
  CommitOptions,
  CommitResult,
  ContactExport,
  ConversationFilter,
  OutboxPatch,
  PurgeReport,
  Store,
} from '../Store.js';
import { silentLogger, systemClock, type StoreClock, type StoreLogger } from '../types.js';
import type { ConversationDocument } from './conversationDocument.js';
import { acquireDataDirLock } from './DataDirLock.js';
import { FileThreads } from './FileThread.js';
import { InboxJournal } from './InboxJournal.js';
import { LowdbInbox } from './LowdbInbox.js';
import { LowdbCatalog } from './LowdbCatalog.js';
import { LowdbCollections } from './LowdbCollections.js';
import { LowdbDocuments } from './LowdbDocuments.js';
import { indexOpener, type IndexOpener } from './indexViews.js';
import { LowdbIndexes } from './LowdbIndexes.js';
import { LowdbOutbox } from './LowdbOutbox.js';
import { footprint, type ChangeFn } from './footprint.js';
import { commitChange } from './commitChange.js';
import { copyPlain } from './copyPlain.js';
import { moveOverflow } from './moveOverflow.js';
import { scanDocuments } from './scanDocuments.js';
import { readIndexSnapshot, writeIndexSnapshot } from './IndexSnapshot.js';
import { purgeLowdbDocuments } from './purgeLowdbDocuments.js';
import { eraseLowdbContact } from './eraseLowdbContact.js';
import { exportLowdbContact } from './exportLowdbContact.js';
import { indexedChange, replayDocumentJournal } from './indexedChange.js';
import { readLowdbTranscript, transcriptAppendChange } from './lowdbTranscript.js';
import { matchConversations } from './matchConversations.js';

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
  /** Parsed conversation documents kept in memory (changed ones stay until written back). @default 1000 */
  cacheSize?: number;
  /** How long a changed document waits for more changes before it is written back. @default 2000 */
  writeBehindMs?: number;
}

/**
 * The embedded store: one small JSON document per conversation (atomic writes), a group-committed
 * inbox journal, lowdb `Low` files for bots, users, tokens and flow versions, indexes in memory.
 * @example const store = createLowdbStore({ dataDir: './data', contentEncryption: false }); await store.init();
 */
export function createLowdbStore(options: LowdbStoreOptions): Store {
  return new LowdbStore(options);
}

class LowdbStore extends LowdbCatalog implements Store {
  readonly #dataDir: string;
  readonly #clock: StoreClock;
  readonly #log: StoreLogger;
  readonly #docs: LowdbDocuments;
  readonly #journal: InboxJournal;
  /** The file threads the documents and both journals share (see FileThread). */
  readonly #threads = new FileThreads();
  #indexes = new LowdbIndexes();
  #release: (() => Promise<void>) | null = null;
  readonly #inbox: LowdbInbox;
  readonly #outbox: LowdbOutbox;
  readonly #fsync: boolean;

  constructor(options: LowdbStoreOptions) {
    const fsync = options.fsync ?? true;
    super(new LowdbCollections(options.dataDir, { fsync }));
    this.#fsync = fsync;
    this.#dataDir = options.dataDir;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? silentLogger;
    const codec = createFieldCodec({ cipher: options.cipher, contentEncryption: options.contentEncryption });
    this.#docs = new LowdbDocuments(options.dataDir, {
      fsync,
      codec,
      cacheSize: options.cacheSize,
      writeBehindMs: options.writeBehindMs,
      threads: this.#threads,
    });
    this.#journal = new InboxJournal(join(options.dataDir, 'inbox.ndjson'), {
      fsync,
      thread: () => this.#threads.inbox,
    });
    this.#inbox = new LowdbInbox(this.#journal, codec, () => this.#indexes);
    this.#docs.onPrepareWrite((doc) => this.#prepareWrite(doc));
    this.#outbox = new LowdbOutbox({
      docs: this.#docs,
      indexes: () => this.#indexes,
      change: (id, fn) => this.#change(id, fn),
      now: () => this.#clock.now(),
    });
  }

  async init(): Promise<void> {
    await mkdir(this.#dataDir, { recursive: true });
    this.#release = await acquireDataDirLock(this.#dataDir);
    try {
      this.#indexes = new LowdbIndexes();
      await this.collections.init();
      const started = this.#clock.now();
      const snapshot = await readIndexSnapshot(this.#snapshotPath, {
        indexes: this.#indexes,
        codec: this.#docs.codec,
        fsync: this.#fsync,
      });
      let maxLsn = snapshot ?? 0;
      const count =
        snapshot === null
          ? await scanDocuments(this.#dataDir, this.#docs, (doc) => {
              maxLsn = Math.max(maxLsn, doc.lsn ?? 0);
              // Read anyway, so checked now: a tampered record stops the start here rather than
              // failing its user's next message.
              this.#docs.checkSealed(doc);
              this.#index(doc);
            })
          : this.#indexes.docIds.size;
      const replayed = await replayDocumentJournal(this.#docs, maxLsn, (doc, before) =>
        this.#index(doc, before),
      );
      await this.#inbox.replay();
      // Start clean: replayed changes go to their documents and the journal starts empty.
      await this.#docs.flushAll();
      this.#log.info(
        { conversations: count, replayed, fromSnapshot: snapshot !== null, ms: this.#clock.now() - started },
        'store: lowdb documents indexed',
      );
    } catch (error) {
      await this.#docs.journal.close().catch(() => undefined);
      await this.#threads.close();
      await this.#release();
      this.#release = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (!this.#release) return;
    const release = this.#release;
    this.#release = null;
    try {
      await this.#docs.close();
      // Everything is in the documents now: the next start can trust the indexes as they are.
      await writeIndexSnapshot(this.#snapshotPath, {
        indexes: this.#indexes,
        lsn: this.#docs.journal.last,
        codec: this.#docs.codec,
        fsync: this.#fsync,
      });
    } finally {
      await this.#journal.close();
      await this.collections.drain();
      await this.#threads.close();
      await release();
    }
  }

  async ping(): Promise<boolean> {
    return this.#release !== null;
  }

  get #snapshotPath(): string {
    return join(this.#dataDir, 'index.snapshot.json');
  }

  /** Indexes a stored document (opening sealed fields), replacing its previous entries. */
  #index(doc: ConversationDocument, previous?: ConversationDocument): void {
    this.#indexes.reindex(doc, previous, this.#opener);
  }

  /** A change on one document, indexed once durable (see indexedChange). */
  readonly #change: ChangeFn = (id, fn) => indexedChange(this.#docs, this.#indexes, this.#opener, id, fn);

  readonly #opener: IndexOpener = indexOpener((stored) => this.#docs.openContact(stored));

  /** Rare whole-document changes (erasure, retention): `fn` edits a private copy, journaled whole. */
  #changeImage<R>(
    id: string,
    fn: (doc: ConversationDocument) => Promise<{ result: R; write: boolean }>,
  ): Promise<R> {
    return this.#change(id, async (doc) => {
      const copy = structuredClone(doc);
      const { result, write } = await fn(copy);
      return { result, change: write ? { img: copy } : null };
    });
  }

  /** Before a write-back: overflow leaves the document (see moveOverflow). */
  async #prepareWrite(doc: ConversationDocument): Promise<void> {
    const before = footprint(doc);
    if (await moveOverflow(doc, { docs: this.#docs, inbox: this.#inbox })) this.#index(doc, before);
  }

  // ── inbox ────────────────────────────────────────────────────────────────────
  appendInbox(records: InboxRecord[]): Promise<string[]> {
    return this.#inbox.append(records);
  }

  async claimInbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<InboxRecord[]> {
    return this.#inbox.claim(owner, now, leaseUntil, limit);
  }

  async renewInboxClaims(owner: string, conversationIds: string[], leaseUntil: number): Promise<string[]> {
    return this.#inbox.renew(owner, conversationIds, leaseUntil);
  }

  async releaseInboxClaims(owner: string, conversationIds?: string[]): Promise<void> {
    this.#inbox.release(owner, conversationIds);
  }

  markInboxDone(ids: string[]): Promise<void> {
    return this.#inbox.markDone(ids);
  }

  // ── commit unit ──────────────────────────────────────────────────────────────
  async commit(unit: CommitUnit, options: CommitOptions = {}): Promise<CommitResult> {
    const now = this.#clock.now();
    const outcome = await this.#change(unit.conversationId, (doc) => {
      const made = commitChange(doc, unit, {
        docs: this.#docs,
        receivedAt: (id) => this.#indexes.pendingInbox.get(id)?.receivedAt,
        now,
        claimFor: options.claimFor,
      });
      return made ? { result: { claimed: made.claimed }, change: made.change } : { result: null };
    });
    if (!outcome) return { ok: false, reason: 'conflict' };
    for (const id of unit.inboxDone) this.#indexes.removePendingInbox(id);
    return outcome.claimed ? { ok: true, claimed: [outcome.claimed] } : { ok: true };
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    if (!this.#indexes.docIds.has(id)) return null;
    return this.#docs.openConversation(copyPlain((await this.#docs.read(id)).conversation));
  }

  async listConversations(
    filter: ConversationFilter,
  ): Promise<{ items: ConversationRecord[]; total: number }> {
    const { ids, total } = matchConversations(this.#indexes.summaries, filter);
    const items = await Promise.all(ids.map((id) => this.getConversation(id)));
    return { items: items.filter((item): item is ConversationRecord => item !== null), total };
  }

  async countConversations(): Promise<number> {
    return this.#indexes.summaries.size;
  }

  // ── contacts ─────────────────────────────────────────────────────────────────
  async getContact(id: string): Promise<ContactRecord | null> {
    if (!this.#indexes.docIds.has(id)) return null;
    return this.#docs.openContact(copyPlain((await this.#docs.read(id)).contact));
  }

  async upsertContact(contact: ContactRecord): Promise<void> {
    await this.#change(contact.id, () => ({
      result: undefined,
      change: { contact: this.#docs.sealContact(contact) },
    }));
  }

  // ── transcript ───────────────────────────────────────────────────────────────
  async listTranscript(
    conversationId: string,
    options: { afterAt?: number; limit?: number } = {},
  ): Promise<TranscriptEntry[]> {
    if (!this.#indexes.docIds.has(conversationId)) return [];
    return readLowdbTranscript(this.#docs, await this.#docs.read(conversationId), options);
  }

  async appendTranscript(entries: TranscriptEntry[]): Promise<void> {
    const byConversation = new Map<string, TranscriptEntry[]>();
    for (const entry of entries)
      byConversation.set(entry.conversationId, [...(byConversation.get(entry.conversationId) ?? []), entry]);
    await Promise.all(
      [...byConversation].map(([id, list]) =>
        this.#change(id, (doc) => ({
          result: undefined,
          change: transcriptAppendChange(this.#docs, doc, list),
        })),
      ),
    );
  }

  // ── outbox ───────────────────────────────────────────────────────────────────
  claimOutbox(owner: string, now: number, leaseUntil: number, limit: number): Promise<OutboxRecord[]> {
    return this.#outbox.claim(owner, now, leaseUntil, limit);
  }

  updateOutbox(id: string, patch: OutboxPatch, transcript?: TranscriptEntry[]): Promise<boolean> {
    return this.#outbox.update(id, patch, transcript);
  }

  getOutbox(id: string): Promise<OutboxRecord | null> {
    return this.#outbox.get(id);
  }

  findOutboxByWamid(wamid: string): Promise<OutboxRecord | null> {
    return this.#outbox.findByWamid(wamid);
  }

  listOutbox(conversationId: string): Promise<OutboxRecord[]> {
    return this.#outbox.list(conversationId);
  }

  recoverExpiredOutbox(now: number): Promise<number> {
    return this.#outbox.recoverExpired(now);
  }

  async countPendingOutbox(): Promise<number> {
    return this.#outbox.countPending();
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
      return { result: undefined, change: rest.length !== doc.timers.length ? { timers: rest } : null };
    });
  }

  async nextTimerDueAt(): Promise<number | null> {
    return this.#indexes.nextTimerDueAt();
  }

  // ── privacy ──────────────────────────────────────────────────────────────────
  async exportContact(contactId: string): Promise<ContactExport | null> {
    if (!this.#indexes.docIds.has(contactId)) return null;
    return exportLowdbContact(contactId, this, this.#docs);
  }

  eraseContact(contactId: string): Promise<{ erased: boolean }> {
    return eraseLowdbContact({
      contactId,
      indexes: this.#indexes,
      docs: this.#docs,
      inbox: this.#inbox,
      change: (id, fn) => this.#changeImage(id, fn),
    }).then(async (outcome) => {
      // The journal held the contact's data until its document was rewritten: empty it now.
      await this.#docs.flushAll();
      return outcome;
    });
  }

  async purgeOlderThan(before: number): Promise<PurgeReport> {
    const report = await purgeLowdbDocuments({
      before,
      indexes: this.#indexes,
      docs: this.#docs,
      change: (id, fn) => this.#changeImage(id, fn),
    });
    await this.#docs.flushAll();
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
