import { appendFile, mkdir, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from './AtomicJsonFile.js';
import { transcriptOverflowPath, type StoredRecord } from './conversationDocument.js';
import { parseNdjsonLines, readTextIfExists } from './ndjson.js';

/**
 * The transcript entries that no longer fit in their conversation document, one NDJSON file per
 * conversation beside it (see moveOverflow). Rare next to document writes, so plain fs/promises.
 */
export class TranscriptOverflowFiles {
  readonly #dataDir: string;
  readonly #fsync: boolean;
  readonly #dirs = new Set<string>();

  constructor(dataDir: string, options: { fsync: boolean }) {
    this.#dataDir = dataDir;
    this.#fsync = options.fsync;
  }

  /** Appends entries that left the document (before the document is written without them). */
  async append(id: string, entries: StoredRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const path = transcriptOverflowPath(this.#dataDir, id);
    const dir = dirname(path);
    if (!this.#dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.#dirs.add(dir);
    }
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

  /** The entries of a conversation; a torn tail line is skipped, duplicates are kept. */
  async read(id: string): Promise<StoredRecord[]> {
    // A line torn by a crash mid-append is skipped: its entries are still in the document, which
    // was not rewritten.
    return parseNdjsonLines<StoredRecord>(await readTextIfExists(transcriptOverflowPath(this.#dataDir, id)));
  }

  /** Replaces the file (deletes it when `entries` is empty). */
  async rewrite(id: string, entries: StoredRecord[]): Promise<void> {
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
}
