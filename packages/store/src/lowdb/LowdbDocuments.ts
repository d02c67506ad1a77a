import { dirname, join } from 'node:path';
import type { FieldCodec } from '../crypto/FieldCodec.js';
import { AtomicJsonFile, parseJsonFile, temporaryPathFor } from './AtomicJsonFile.js';
import { FileThreads, type FileJob } from './FileThread.js';
import { DocumentJournal } from './DocumentJournal.js';
import { RecordSealer } from './RecordSealer.js';
import { TranscriptOverflowFiles } from './TranscriptOverflowFiles.js';
import { applyRecord, toJournalForm, type DocumentChange, type DocumentRecord } from './documentRecord.js';
import {
  conversationPath,
  emptyDocument,
  isEmptyDocument,
  type ConversationDocument,
} from './conversationDocument.js';

/** Runs before a dirty document is written back: moves overflow out of it (see createLowdbStore). */
export type PrepareWrite = (doc: ConversationDocument) => Promise<void>;

/**
 * How long a document stays dirty (counted from its oldest unwritten change) before its
 * write-back, so many changes share one file write. A change is durable in the journal already;
 * a longer wait only keeps more documents in memory and more journal to replay after a crash.
 * A conversation turn is about six changes (the message, the outbox claim, the send, its status
 * webhooks); in 2 s a busy conversation's several turns become one write.
 */
const WRITE_BEHIND_MS = 2_000;
/** Dirty documents that trigger a write-back at once (they cannot leave the cache until written). */
const MAX_DIRTY = 2_000;
/** Documents serialised and handed to the writer thread at a time (one message to it). */
const WRITE_BACK_CHUNK = 64;
/** A dirty document's write-back: its file jobs, and the change it covers up to. */
interface DocumentImage {
  id: string;
  lsn: number;
  dir: string;
  jobs: FileJob[];
}

/**
 * Conversation documents: every change is applied in memory, appended to the document journal
 * (group commit) and acknowledged once the journal batch is fsync'd; documents are written back
 * later (merged: many changes, one atomic file write) and the journal segments they cover are
 * then deleted. One change at a time per document (a per-id promise chain, held until the change
 * is durable); different documents change in parallel.
 */
export class LowdbDocuments extends RecordSealer {
  readonly #dataDir: string;
  readonly #fsync: boolean;
  readonly journal: DocumentJournal<DocumentRecord>;
  /** Transcript entries that no longer fit in their documents. */
  readonly overflow: TranscriptOverflowFiles;
  readonly #cache = new Map<string, ConversationDocument>();
  /**
   * The cached documents that may leave the cache (neither dirty nor in use), least recently used
   * first. Kept apart from the cache so an eviction never walks past the documents that must stay:
   * with thousands dirty, a scan of the whole cache per read was a third of the CPU.
   */
  readonly #evictable = new Set<string>();
  readonly #cacheSize: number;
  readonly #writeBehindMs: number;
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #dirs = new Set<string>();
  /** Folders that received a document by rename since their last fsync (see `#syncDirectories`). */
  readonly #unsyncedDirs = new Set<string>();
  /**
   * Document id → sequence number and time (performance.now) of its oldest change not yet
   * written back. Insertion order is age order: a document leaves when written and comes back
   * at the end with its next change.
   */
  readonly #dirty = new Map<string, { n: number; at: number }>();
  #prepare: PrepareWrite = async () => undefined;
  /**
   * File work off the main thread (see FileThread): write-backs and their folders' syncs on
   * `writer`, document reads on `io`, journal appends on `journal`, none behind another's fsyncs.
   */
  readonly #threads: FileThreads;
  /** The threads were made here (not handed in by the store): closed with the documents. */
  readonly #ownsThreads: boolean;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #flushing: Promise<void> | null = null;
  /** The last write-back error (retried on the next round); surfaced by `flushAll`. */
  #writeError: unknown = null;
  /** Document files written back so far: a figure for tests and metrics. */
  writes = 0;

  /** Documents held in memory (dirty ones included): a figure for tests and metrics. */
  get cached(): number {
    return this.#cache.size;
  }

  constructor(
    dataDir: string,
    options: {
      fsync: boolean;
      codec: FieldCodec;
      cacheSize?: number;
      writeBehindMs?: number;
      threads?: FileThreads;
    },
  ) {
    super(options.codec);
    this.#ownsThreads = !options.threads;
    this.#threads = options.threads ?? new FileThreads();
    this.#writeBehindMs = options.writeBehindMs ?? WRITE_BEHIND_MS;
    this.#dataDir = dataDir;
    this.#fsync = options.fsync;
    this.#cacheSize = options.cacheSize ?? 1000;
    this.overflow = new TranscriptOverflowFiles(dataDir, { fsync: options.fsync });
    this.journal = new DocumentJournal(join(dataDir, 'journal'), {
      fsync: options.fsync,
      thread: () => this.#threads.journal,
    });
  }

  /** Opens the journal (at `init()`); returns its records for replay. */
  open(): Promise<DocumentRecord[]> {
    this.#closed = false;
    return this.journal.open();
  }

  /** Sets the hook that runs before each write-back. */
  onPrepareWrite(prepare: PrepareWrite): void {
    this.#prepare = prepare;
  }

  /**
   * Runs `fn` on the document with exclusive access. `fn` reads the document and returns the
   * change to make (or none); the change is applied in place, journaled, and `after` runs once it
   * is durable. A failed journal write undoes the change in memory.
   */
  exclusive<R>(
    id: string,
    fn: (
      doc: ConversationDocument,
    ) =>
      | Promise<{ result: R; change?: DocumentChange | null; after?: () => void }>
      | { result: R; change?: DocumentChange | null; after?: () => void },
  ): Promise<R> {
    return this.#chain(id, async () => {
      const doc = await this.read(id);
      const { result, change, after } = await fn(doc);
      if (change) {
        const record: DocumentRecord = { ...change, n: this.journal.next(), d: id };
        const before = doc.outbox;
        const undo = applyRecord(doc, record);
        this.#markDirty(id, record.n);
        try {
          await this.journal.append(toJournalForm(record, before));
        } catch (error) {
          undo();
          throw error;
        }
      }
      // Indexes move only once the change is durable.
      after?.();
      return result;
    });
  }

  /** Applies a replayed record (init): only when the stored document does not include it yet. */
  async replay(record: DocumentRecord): Promise<ConversationDocument | null> {
    const doc = await this.read(record.d);
    if ((doc.lsn ?? 0) >= record.n) return null;
    applyRecord(doc, record);
    this.#markDirty(record.d, record.n);
    return doc;
  }

  #chain<R>(id: string, run: () => Promise<R>): Promise<R> {
    const previous = this.#chains.get(id) ?? Promise.resolve();
    this.#evictable.delete(id);
    const next = previous.then(run, run);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#chains.set(id, settled);
    void settled.then(() => {
      if (this.#chains.get(id) !== settled) return;
      this.#chains.delete(id);
      this.#releaseIfClean(id);
    });
    return next;
  }

  #markDirty(id: string, n: number): void {
    this.#evictable.delete(id);
    if (!this.#dirty.has(id)) this.#dirty.set(id, { n, at: performance.now() });
    if (this.#dirty.size >= MAX_DIRTY) this.#flushSoon(0);
    else this.#flushSoon(this.#writeBehindMs);
  }

  /** Until the oldest dirty document is due; never less than a pause, so a failing write is not retried in a loop. */
  #nextRoundDelay(): number {
    if (this.#dirty.size >= MAX_DIRTY) return 0;
    const oldest = this.#dirty.values().next();
    if (oldest.done) return this.#writeBehindMs;
    const due = oldest.value.at + this.#writeBehindMs - performance.now();
    return Math.max(Math.min(250, this.#writeBehindMs), due);
  }

  #flushSoon(delay: number): void {
    if (this.#flushing || this.#closed) return;
    if (this.#timer && delay > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush().catch(() => undefined);
    }, delay);
    this.#timer.unref();
  }

  /**
   * Writes back the documents dirty for `writeBehindMs` (the oldest ones as well when too many are
   * dirty; all of them when `force`), then deletes the journal segments they covered.
   */
  flush(force = false): Promise<void> {
    if (this.#flushing) return this.#flushing.then(() => this.flush(force));
    this.#flushing = this.#flushRound(force).finally(() => {
      this.#flushing = null;
      if (this.#dirty.size > 0) this.#flushSoon(this.#nextRoundDelay());
    });
    return this.#flushing;
  }

  /** The documents a round writes back, oldest first. */
  #due(force: boolean): string[] {
    if (force) return [...this.#dirty.keys()];
    const dueBefore = performance.now() - this.#writeBehindMs;
    const excess = this.#dirty.size >= MAX_DIRTY ? this.#dirty.size - MAX_DIRTY / 2 : 0;
    const ids: string[] = [];
    for (const [id, { at }] of this.#dirty) {
      if (ids.length >= excess && at > dueBefore) break;
      ids.push(id);
    }
    return ids;
  }

  async #flushRound(force: boolean): Promise<void> {
    const ids = this.#due(force);
    this.#writeError = null;
    // Each document is prepared and serialised under its lock (one consistent image), then the
    // file thread writes it, outside the lock: a conversation's next change never waits for the
    // disk. A change made meanwhile keeps its document dirty (see `#writeImage`). A chunk at a
    // time: serialising a whole round at once was one long task of the event loop (a webhook's
    // 200 waited behind it), and its texts waited in the thread's queue through hundreds of
    // fsyncs, long enough to reach the old generation.
    for (let start = 0; start < ids.length; start += WRITE_BACK_CHUNK) {
      const images = await Promise.all(
        ids.slice(start, start + WRITE_BACK_CHUNK).map((id) =>
          this.#chain(id, () => this.#image(id)).catch((error: unknown) => {
            this.#writeError = error;
            return null;
          }),
        ),
      );
      await Promise.all(images.map((image) => (image ? this.#writeImage(image) : undefined)));
    }
    // Every record older than the oldest unwritten change is now in a document file.
    let through = this.journal.last;
    for (const { n } of this.#dirty.values()) through = Math.min(through, n - 1);
    // Forced (close, erasure, retention): start a new segment so the old one goes once its documents are written.
    await this.journal.checkpoint(through, force, () => this.#syncDirectories());
  }

  /** Writes back everything and empties the journal (close, erasure, retention); throws a write-back error. */
  async flushAll(): Promise<void> {
    await this.journal.drain();
    await this.flush(true);
    if (this.#writeError) throw this.#writeError;
  }

  /** What writing a dirty document back takes, as of now (null when it is no longer dirty). */
  async #image(id: string): Promise<DocumentImage | null> {
    const doc = this.#cache.get(id);
    if (!this.#dirty.has(id) || !doc) return null;
    await this.#prepare(doc);
    const path = conversationPath(this.#dataDir, doc.id);
    const dir = dirname(path);
    const lsn = doc.lsn ?? 0;
    if (isEmptyDocument(doc)) {
      const jobs: FileJob[] = [{ op: 'unlink', path }];
      if (this.#fsync) jobs.push({ op: 'fsyncDir', path: dir });
      return { id, lsn, dir, jobs };
    }
    const text = JSON.stringify(doc);
    const mkdir = this.#dirs.has(dir) ? undefined : dir;
    return {
      id,
      lsn,
      dir,
      jobs: [{ op: 'write', path, tmp: temporaryPathFor(path), text, fsync: this.#fsync, mkdir }],
    };
  }

  async #writeImage(image: DocumentImage): Promise<void> {
    const writer = this.#threads.writer;
    try {
      for (const job of image.jobs) {
        // A document file already missing is as good as deleted.
        await writer.run(job).catch((error: NodeJS.ErrnoException) => {
          if (job.op !== 'unlink' || error.code !== 'ENOENT') throw error;
        });
      }
    } catch (error) {
      this.#writeError = error;
      return;
    }
    const write = image.jobs[0]!;
    if (write.op === 'write') {
      this.#dirs.add(image.dir);
      // The folder's fsync waits for the checkpoint: until the journal segment holding these
      // changes is deleted, a rename lost to a power cut is replayed from it. One fsync per
      // folder per checkpoint instead of one per write.
      if (this.#fsync) this.#unsyncedDirs.add(image.dir);
    }
    this.writes += 1;
    // A change that arrived during the write keeps the document dirty.
    if ((this.#cache.get(image.id)?.lsn ?? 0) === image.lsn) {
      this.#dirty.delete(image.id);
      this.#releaseIfClean(image.id);
    }
  }

  /** The document as stored (an empty one when there is no file). */
  async read(id: string): Promise<ConversationDocument> {
    const cached = this.#cache.get(id);
    if (cached) {
      if (this.#evictable.delete(id)) this.#evictable.add(id);
      return cached;
    }
    const path = conversationPath(this.#dataDir, id);
    const text = await this.#threads.io.run({ op: 'read', path });
    const doc = text === null ? emptyDocument(id) : parseJsonFile<ConversationDocument>(path, text);
    // A concurrent reader may have loaded it meanwhile: one object per document.
    const raced = this.#cache.get(id);
    if (raced) return raced;
    this.#remember(doc);
    return doc;
  }

  /** Reads a document file by path (used by the init scan); the cache is not touched. */
  async readPath(path: string): Promise<ConversationDocument | null> {
    return new AtomicJsonFile<ConversationDocument>(path).read();
  }

  /** Makes the renames of written-back documents durable (before journal segments are deleted). */
  async #syncDirectories(): Promise<void> {
    const dirs = [...this.#unsyncedDirs];
    this.#unsyncedDirs.clear();
    try {
      const writer = this.#threads.writer;
      await Promise.all(dirs.map((dir) => writer.run({ op: 'fsyncDir', path: dir })));
    } catch (error) {
      for (const dir of dirs) this.#unsyncedDirs.add(dir);
      throw error;
    }
  }

  /** Waits for running changes, writes everything back and closes the journal. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#chains.values()]);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    try {
      await this.flushAll();
    } finally {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      await this.journal.close();
      if (this.#ownsThreads) await this.#threads.close();
    }
  }

  #remember(doc: ConversationDocument): void {
    this.#cache.set(doc.id, doc);
    this.#releaseIfClean(doc.id);
  }

  /** Makes a cached document evictable once it is clean and unused, then trims the cache. */
  #releaseIfClean(id: string): void {
    if (!this.#cache.has(id) || this.#dirty.has(id) || this.#chains.has(id)) return;
    this.#evictable.delete(id);
    this.#evictable.add(id);
    // Evict the least recently used clean documents; dirty ones stay until written back.
    while (this.#cache.size > this.#cacheSize) {
      const oldest = this.#evictable.values().next();
      if (oldest.done) break;
      this.#evictable.delete(oldest.value);
      this.#cache.delete(oldest.value);
    }
  }
}
