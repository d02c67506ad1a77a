import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** One file operation, run with synchronous calls on the thread. */
export type FileJob =
  /** Writes `text` to `tmp` (fsync'd when asked), renames it over `path`; creates `mkdir` first. */
  | { op: 'write'; path: string; tmp: string; text: string; fsync: boolean; mkdir?: string }
  /** Flushes a folder's entries (renames) to disk. */
  | { op: 'fsyncDir'; path: string }
  | { op: 'unlink'; path: string }
  /** The file's text, or null when there is none. */
  | { op: 'read'; path: string }
  /** Opens an append-only file and keeps it open ('w' empties it first). */
  | { op: 'open'; path: string; flags: 'a' | 'w' }
  /** Appends to a kept-open file (opened with 'a' when it is not), then fdatasync when asked. */
  | { op: 'append'; path: string; text: string; sync: boolean }
  /**
   * The same for document-journal records, given as their JSON joined with '\n': the thread
   * writes them as checksummed lines (journalLines.mjs), so the checksums cost the event loop nothing.
   */
  | { op: 'append'; path: string; records: string; sync: boolean }
  /** Closes a kept-open file (nothing when it is not open). */
  | { op: 'close'; path: string };

type Result = { ok: true; value: string | null } | { ok: false; code?: string; message: string };

/** Resolves on the next turn of the event loop (after the I/O callbacks of this one). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Jobs posted to the thread in one message at most: a long batch delays the ones behind it. */
const MAX_BATCH = 64;
/**
 * The thread's young generation (two 4 MB semi-spaces): its garbage is a few strings per job.
 * Honoured only while no process-wide `--max-semi-space-size` is in force (see the server's main).
 */
const THREAD_YOUNG_GENERATION_MB = 12;

function workerUrl(): URL {
  // Beside this module in the sources; from a built dist/index.js, in the package's src folder.
  const beside = new URL('./fileThread.worker.mjs', import.meta.url);
  return existsSync(beside) ? beside : new URL('../src/lowdb/fileThread.worker.mjs', import.meta.url);
}

/**
 * A worker thread that does file work for the main thread. Each fs/promises call costs the main
 * thread ~50 µs of promise and handle bookkeeping (an atomic document write is five of them);
 * here the jobs of one turn of the event loop travel in one message and run as plain synchronous
 * calls, so a document write costs the main thread a few microseconds and the process about half
 * the CPU.
 * Jobs run in the order they were asked for. The thread does not keep the process alive.
 */
export class FileThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<
    number,
    Array<{ resolve(value: string | null): void; reject(error: Error): void }>
  >();
  #queue: Array<{ job: FileJob; resolve(value: string | null): void; reject(error: Error): void }> = [];
  #scheduled = false;
  #nextId = 0;
  #broken: Error | null = null;

  constructor() {
    this.#worker = new Worker(workerUrl(), {
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
    });
    this.#worker.unref();
    this.#worker.on('message', ({ id, results }: { id: number; results: Result[] }) => {
      const callers = this.#waiting.get(id) ?? [];
      this.#waiting.delete(id);
      if (this.#waiting.size === 0) this.#worker.unref();
      results.forEach((result, index) => {
        const caller = callers[index]!;
        if (result.ok) caller.resolve(result.value);
        else caller.reject(Object.assign(new Error(result.message), { code: result.code }));
      });
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the file thread exited with code ${code}`)));
  }

  /** True once the thread has died (or was closed): a new one is needed. */
  get broken(): boolean {
    return this.#broken !== null;
  }

  /**
   * Runs one job; resolves with the text for `read` (null when missing), null otherwise.
   * `now`: post at once (with whatever is queued) instead of on the next turn, for a caller that
   * has gathered a turn's work already (the journals wait a turn before each write). Waiting
   * again would put the write a whole turn of the event loop later (an immediate set from an
   * immediate runs in the next turn), and every acknowledgement and commit waits for it.
   */
  run(job: FileJob, options: { now?: boolean } = {}): Promise<string | null> {
    if (this.#broken) return Promise.reject(this.#broken);
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      if (options.now) {
        this.#post();
        return;
      }
      if (this.#scheduled) return;
      this.#scheduled = true;
      // Posted on the next turn of the event loop: the jobs of every callback of this turn share
      // one message (each post wakes the thread, which on a busy machine can take the main
      // thread's core).
      setImmediate(() => this.#post());
    });
  }

  /** Stops the thread; jobs still running fail. */
  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  #post(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (let start = 0; start < queue.length; start += MAX_BATCH) {
      const slice = queue.slice(start, start + MAX_BATCH);
      const id = this.#nextId++;
      this.#waiting.set(id, slice);
      this.#worker.ref();
      this.#worker.postMessage({ id, jobs: slice.map((item) => item.job) });
    }
  }

  #fail(error: Error): void {
    this.#broken ??= error;
    for (const callers of this.#waiting.values()) for (const caller of callers) caller.reject(error);
    this.#waiting.clear();
    for (const item of this.#queue.splice(0)) item.reject(error);
  }
}

/**
 * The store's file threads, each made on first use and again after it died. Each kind of work
 * has its own, so none waits behind another's fsyncs: `io` reads documents, `inbox` and
 * `journal` append to the two journals (acknowledgements and commits wait for those), `writer`
 * writes documents back in bulk.
 */
export class FileThreads {
  readonly #threads = new Map<FileThreadKind, FileThread>();

  get io(): FileThread {
    return this.#get('io');
  }
  get inbox(): FileThread {
    return this.#get('inbox');
  }
  get journal(): FileThread {
    return this.#get('journal');
  }
  get writer(): FileThread {
    return this.#get('writer');
  }

  #get(kind: FileThreadKind): FileThread {
    let thread = this.#threads.get(kind);
    if (!thread || thread.broken) this.#threads.set(kind, (thread = new FileThread()));
    return thread;
  }

  async close(): Promise<void> {
    const threads = [...this.#threads.values()];
    this.#threads.clear();
    await Promise.all(threads.map((thread) => thread.close()));
  }
}

type FileThreadKind = 'io' | 'inbox' | 'journal' | 'writer';

/**
 * The thread a journal was handed (asked each time, so a replaced thread is used), or, for a
 * journal used on its own (tests, tools), a thread of its own that `close` ends.
 */
export function handedOrOwnThread(handed: (() => FileThread) | undefined): {
  thread: () => FileThread;
  close(): Promise<void>;
} {
  if (handed) return { thread: handed, close: async () => undefined };
  const own = new FileThreads();
  return { thread: () => own.io, close: () => own.close() };
}
