import { appendFile, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ContactRecord, ConversationRecord, OutboxRecord, TranscriptEntry } from '@parley/flow';
import type { FieldCodec } from '../crypto/FieldCodec.js';
import { aadFor, openFields, sealFields, sealedFieldsOf } from '../crypto/sealFields.js';
import { AtomicJsonFile, fsyncDirectory, writeFileAtomic } from './AtomicJsonFile.js';
import {
  conversationPath,
  emptyDocument,
  isEmptyDocument,
  transcriptOverflowPath,
  type ConversationDocument,
  type StoredRecord,
} from './conversationDocument.js';

/**
 * Reads, caches and atomically writes conversation documents, one write at a time per
 * document (a per-id promise chain); different documents are written in parallel.
 */
export class LowdbDocuments {
  readonly #dataDir: string;
  readonly #fsync: boolean;
  readonly codec: FieldCodec;
  readonly #cache = new Map<string, ConversationDocument>();
  readonly #cacheSize: number;
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #dirs = new Set<string>();

  constructor(dataDir: string, options: { fsync: boolean; codec: FieldCodec; cacheSize?: number }) {
    this.#dataDir = dataDir;
    this.#fsync = options.fsync;
    this.codec = options.codec;
    this.#cacheSize = options.cacheSize ?? 1000;
  }

  /** Runs `fn` on the document with exclusive access; `fn` returns whether to write it back. */
  exclusive<R>(
    id: string,
    fn: (doc: ConversationDocument) => Promise<{ result: R; write: boolean; after?: () => void }>,
  ): Promise<R> {
    const run = async (): Promise<R> => {
      // A private copy: readers never see a half-applied change, a failed write leaves no trace.
      const doc = structuredClone(await this.read(id));
      try {
        const { result, write, after } = await fn(doc);
        if (write) await this.#write(doc);
        // Indexes move only once the document is on disk.
        after?.();
        return result;
      } catch (error) {
        // The cached copy may hold half-applied changes: forget it, the file is the truth.
        this.#cache.delete(id);
        throw error;
      }
    };
    const previous = this.#chains.get(id) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#chains.set(id, settled);
    void settled.then(() => {
      if (this.#chains.get(id) === settled) this.#chains.delete(id);
    });
    return next;
  }

  /** The document as stored (an empty one when there is no file). */
  async read(id: string): Promise<ConversationDocument> {
    const cached = this.#cache.get(id);
    if (cached) {
      this.#cache.delete(id);
      this.#cache.set(id, cached);
      return cached;
    }
    const doc =
      (await new AtomicJsonFile<ConversationDocument>(conversationPath(this.#dataDir, id)).read()) ??
      emptyDocument(id);
    this.#remember(doc);
    return doc;
  }

  /** Reads a document file by path (used by the init scan); the cache is not touched. */
  async readPath(path: string): Promise<ConversationDocument | null> {
    return new AtomicJsonFile<ConversationDocument>(path).read();
  }

  async #write(doc: ConversationDocument): Promise<void> {
    const path = conversationPath(this.#dataDir, doc.id);
    if (isEmptyDocument(doc)) {
      this.#cache.delete(doc.id);
      try {
        await unlink(path);
        if (this.#fsync) await fsyncDirectory(dirname(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      return;
    }
    await this.#ensureDir(dirname(path));
    await writeFileAtomic(path, JSON.stringify(doc), { fsync: this.#fsync });
    this.#remember(doc);
  }

  /** Appends transcript entries that left the document to its overflow file (before the document write). */
  async appendOverflow(id: string, entries: StoredRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const path = transcriptOverflowPath(this.#dataDir, id);
    await this.#ensureDir(dirname(path));
    const text = `${entries.map((entry) => JSON.stringify(entry)).join('\n')}\n`;
    if (!this.#fsync) {
      await appendFile(path, text, { mode: 0o600 });
      return;
    }
    const handle = await open(path, 'a', 0o600);
    try {
      await handle.appendFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** The overflow entries of a conversation; a torn tail line is skipped, duplicates are kept. */
  async readOverflow(id: string): Promise<StoredRecord[]> {
    let text: string;
    try {
      text = await readFile(transcriptOverflowPath(this.#dataDir, id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: StoredRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as StoredRecord);
      } catch {
        // A crash mid-append: the entries are still in the document, which was not rewritten.
      }
    }
    return entries;
  }

  /** Replaces (or deletes, when empty) the overflow file. */
  async rewriteOverflow(id: string, entries: StoredRecord[]): Promise<void> {
    const path = transcriptOverflowPath(this.#dataDir, id);
    if (entries.length === 0) {
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      return;
    }
    await writeFileAtomic(path, `${entries.map((entry) => JSON.stringify(entry)).join('\n')}\n`, {
      fsync: this.#fsync,
    });
  }

  async drain(): Promise<void> {
    await Promise.all([...this.#chains.values()]);
  }

  async #ensureDir(dir: string): Promise<void> {
    if (this.#dirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.#dirs.add(dir);
  }

  #remember(doc: ConversationDocument): void {
    this.#cache.delete(doc.id);
    this.#cache.set(doc.id, doc);
    if (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
  }

  // ── sealing: one place that knows which fields of which record are sensitive ──
  sealConversation(record: ConversationRecord): StoredRecord {
    return sealFields(
      this.codec,
      record,
      sealedFieldsOf.conversation,
      aadFor.conversation(record.id),
    ) as StoredRecord;
  }
  openConversation(stored: StoredRecord | null): ConversationRecord | null {
    return stored ? openFields<ConversationRecord>(this.codec, stored, aadFor.conversation(stored.id)) : null;
  }
  sealContact(record: ContactRecord): StoredRecord {
    return sealFields(this.codec, record, sealedFieldsOf.contact, aadFor.contact(record.id)) as StoredRecord;
  }
  openContact(stored: StoredRecord | null): ContactRecord | null {
    return stored ? openFields<ContactRecord>(this.codec, stored, aadFor.contact(stored.id)) : null;
  }
  sealTranscript(entry: TranscriptEntry): StoredRecord {
    return sealFields(
      this.codec,
      entry,
      sealedFieldsOf.transcript,
      aadFor.transcript(entry.id),
    ) as StoredRecord;
  }
  openTranscript(stored: StoredRecord): TranscriptEntry {
    return openFields<TranscriptEntry>(this.codec, stored, aadFor.transcript(stored.id));
  }
  sealOutbox(row: OutboxRecord): StoredRecord {
    return sealFields(this.codec, row, sealedFieldsOf.outbox, aadFor.outbox(row.id)) as StoredRecord;
  }
  openOutbox(stored: StoredRecord): OutboxRecord {
    const { leaseOwner: _owner, leaseUntil: _until, ...rest } = stored;
    return openFields<OutboxRecord>(this.codec, rest, aadFor.outbox(stored.id));
  }
}
