import { dirname } from 'node:path';
import { temporaryPathFor } from './AtomicJsonFile.js';
import { handedOrOwnThread, nextTurn, type FileThread } from './FileThread.js';
import { parseNdjsonLines, readTextIfExists } from './ndjson.js';

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

  readonly #files: ReturnType<typeof handedOrOwnThread>;

  /**
   * `thread`: where appends, fsyncs and rewrites run (see FileThread), asked each time so a
   * replaced thread is used. The file stays open there between appends.
   */
  constructor(path: string, options: { fsync: boolean; thread?: () => FileThread }) {
    this.path = path;
    this.#fsync = options.fsync;
    this.#files = handedOrOwnThread(options.thread);
  }

  /** Waits for queued appends, then closes the file (and the thread, when it is this journal's own). */
  async close(): Promise<void> {
    await this.drain();
    await this.#files.thread().run({ op: 'close', path: this.path });
    await this.#files.close();
  }

  /** Reads every line; a torn last line (a crash mid-append, never acknowledged) is skipped. */
  async readAll(): Promise<JournalLine[]> {
    // Only the tail can be torn; the lines before it were fsync'd and acknowledged.
    return parseNdjsonLines<JournalLine>(await readTextIfExists(this.path));
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
    // As in DocumentJournal: the first write waits for the next turn of the event loop, so the
    // webhooks acknowledged in this turn share its write, fsync and thread wake-up.
    this.#running = nextTurn()
      .then(() => this.#loop())
      .finally(() => {
        this.#running = null;
        if (this.#queue.length > 0 || this.#compaction) this.#kick();
      });
  }

  async #loop(): Promise<void> {
    const thread = this.#files.thread();
    while (this.#queue.length > 0 || this.#compaction) {
      const batch = this.#queue;
      this.#queue = [];
      if (batch.length > 0) {
        try {
          const text = `${batch.flatMap((item) => item.lines).join('\n')}\n`;
          // A failed append closes the file on the thread: the next one reopens it.
          await thread.run({ op: 'append', path: this.path, text, sync: this.#fsync }, { now: true });
          this.flushes += 1;
          for (const item of batch) item.resolve();
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
        continue;
      }
      const compaction = this.#compaction!;
      this.#compaction = null;
      try {
        const lines = compaction.build();
        const text = lines.map((line) => JSON.stringify(line)).join('\n');
        // The open handle would keep appending to the replaced file: closed first, reopened by the next append.
        await thread.run({ op: 'close', path: this.path });
        await thread.run({
          op: 'write',
          path: this.path,
          tmp: temporaryPathFor(this.path),
          text: text ? `${text}\n` : '',
          fsync: this.#fsync,
        });
        if (this.#fsync) await thread.run({ op: 'fsyncDir', path: dirname(this.path) });
        compaction.resolve();
      } catch (error) {
        compaction.reject(error);
      }
    }
  }
}
