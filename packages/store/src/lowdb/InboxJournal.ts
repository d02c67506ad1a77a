import { open, readFile, type FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from './AtomicJsonFile.js';

/** One line of the inbox journal: a whole stored row, or the hash of an id that is done. */
export type JournalLine = { t: 'row'; r: Record<string, unknown> } | { t: 'done'; h: string; at: number };

/**
 * An append-only NDJSON file with group commit: lines appended while a flush is running are
 * written together by the next flush with one fsync, so hundreds of webhooks per second share
 * a handful of fsyncs. `append` resolves only once its lines are on disk.
 */
export class InboxJournal {
  readonly path: string;
  readonly #fsync: boolean;
  #queue: { lines: string[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #running: Promise<void> | null = null;
  /** How many appending writes ran (each with one fsync): a figure for tests and metrics. */
  flushes = 0;
  /** Compaction must not interleave with appends: it runs inside the same flush loop. */
  #compaction: { build: () => JournalLine[]; resolve: () => void; reject: (error: unknown) => void } | null =
    null;

  constructor(path: string, options: { fsync: boolean }) {
    this.path = path;
    this.#fsync = options.fsync;
  }

  /** Reads every line; a torn last line (a crash mid-append, never acknowledged) is skipped. */
  async readAll(): Promise<JournalLine[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const lines: JournalLine[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        lines.push(JSON.parse(line) as JournalLine);
      } catch {
        // Only the tail can be torn; the lines before it were fsync'd and acknowledged.
      }
    }
    return lines;
  }

  append(lines: JournalLine[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#queue.push({ lines: lines.map((line) => JSON.stringify(line)), resolve, reject });
      this.#kick();
    });
  }

  /** Rewrites the journal with what `build` returns (called when the queue is drained). */
  compact(build: () => JournalLine[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const previous = this.#compaction;
      this.#compaction = {
        build,
        resolve: () => {
          previous?.resolve();
          resolve();
        },
        reject: (error) => {
          previous?.reject(error);
          reject(error);
        },
      };
      this.#kick();
    });
  }

  /** Waits until everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = this.#loop().finally(() => {
      this.#running = null;
      if (this.#queue.length > 0 || this.#compaction) this.#kick();
    });
  }

  async #loop(): Promise<void> {
    // Kept open while appends keep coming (each ack waits for its batch: two thread-pool round
    // trips, not four); closed when the queue runs dry, before a compaction replaces the file,
    // and after a failure.
    let handle: FileHandle | null = null;
    const closeHandle = async () => {
      const current = handle;
      handle = null;
      await current?.close().catch(() => undefined);
    };
    try {
      await this.#run(async () => (handle ??= await open(this.path, 'a', 0o600)), closeHandle);
    } finally {
      await closeHandle();
    }
  }

  async #run(handleFor: () => Promise<FileHandle>, closeHandle: () => Promise<void>): Promise<void> {
    while (this.#queue.length > 0 || this.#compaction) {
      const batch = this.#queue;
      this.#queue = [];
      if (batch.length > 0) {
        try {
          const handle = await handleFor();
          await handle.appendFile(`${batch.flatMap((item) => item.lines).join('\n')}\n`, 'utf8');
          if (this.#fsync) await handle.sync();
          this.flushes += 1;
          for (const item of batch) item.resolve();
        } catch (error) {
          await closeHandle();
          for (const item of batch) item.reject(error);
        }
        continue;
      }
      await closeHandle();
      const compaction = this.#compaction!;
      this.#compaction = null;
      try {
        const lines = compaction.build();
        const text = lines.map((line) => JSON.stringify(line)).join('\n');
        await writeFileAtomic(this.path, text ? `${text}\n` : '', { fsync: this.#fsync });
        compaction.resolve();
      } catch (error) {
        compaction.reject(error);
      }
    }
  }
}
