import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { handedOrOwnThread, nextTurn, type FileThread } from './FileThread.js';
import { journalChecksum } from './journalLines.mjs';

/** A journal record: `n` is its sequence number (strictly increasing across restarts). */
export interface JournalEntry {
  n: number;
}

/** How big a segment grows before a checkpoint starts the next one. */
const SEGMENT_BYTES = 16 * 1024 * 1024;

/**
 * A write-ahead journal with group commit: records appended while a write is running are written
 * together by the next write, with one fsync, and each `append` resolves once its record is on
 * disk. Lines are `<checksum 8 hex> <json>` (CRC-32 of the JSON; journals written before hold the
 * first 8 hex of its SHA-1, still read), so a torn or damaged tail (a crash mid-append, never
 * acknowledged) is detected and dropped on replay. The journal is a folder of segments named by
 * the first sequence number they may hold; `checkpoint(through)` starts a new segment and deletes
 * the ones whose records are all `<= through` (their effects are on disk elsewhere).
 */
export class DocumentJournal<R extends JournalEntry> {
  readonly dir: string;
  readonly #fsync: boolean;
  /** Records' JSON waiting for the next write (the file thread adds the checksums). */
  #queue: { json: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #running: Promise<void> | null = null;
  readonly #files: ReturnType<typeof handedOrOwnThread>;
  /** The segment appends go to, kept open on the file thread (null before `open()` and after `close()`). */
  #current: string | null = null;
  #segments: number[] = [];
  #size = 0;
  #last = 0;
  #rotate = false;
  /** Appending writes so far (each with one fsync): a figure for tests and metrics. */
  flushes = 0;

  /** `thread`: where appends and fsyncs run (see FileThread), asked each time so a replaced thread is used. */
  constructor(dir: string, options: { fsync: boolean; thread?: () => FileThread }) {
    this.dir = dir;
    this.#fsync = options.fsync;
    this.#files = handedOrOwnThread(options.thread);
  }

  /** Reads every intact record in order and opens a fresh segment for appends (a torn tail is never appended to). */
  async open(): Promise<R[]> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((name) => /^\d{16}\.ndjson$/.test(name)).sort();
    const records: R[] = [];
    this.#segments = names.map((name) => Number(name.slice(0, 16)));
    for (const name of names) {
      const text = await readFile(join(this.dir, name), 'utf8');
      for (const line of text.split('\n')) {
        const record = parseLine<R>(line);
        // Everything after the first bad line of a segment was never acknowledged.
        if (!record) break;
        records.push(record);
        this.#last = Math.max(this.#last, record.n);
      }
      this.#last = Math.max(this.#last, Number(name.slice(0, 16)) - 1);
    }
    // A segment named `last + 1` holds no intact record (only a torn line, or nothing): start it afresh.
    await this.#startSegment('w');
    return records;
  }

  /** The sequence number the next record gets. */
  next(): number {
    this.#last += 1;
    return this.#last;
  }

  /** Never hands out a number `<= n` (documents on disk may carry numbers of deleted segments). */
  advance(n: number): void {
    this.#last = Math.max(this.#last, n);
  }

  /** The highest sequence number handed out. */
  get last(): number {
    return this.#last;
  }

  /** Appends a record (numbered with `next()`); resolves once it is fsync'd. */
  append(record: R): Promise<void> {
    const json = JSON.stringify(record);
    return new Promise((resolve, reject) => {
      this.#queue.push({ json, resolve, reject });
      this.#kick();
    });
  }

  /**
   * Deletes the segments holding only records `<= through`; starts a new segment first when the
   * current one is big (or `force`), so it can go next time. `beforeDelete` runs first when a
   * segment is about to go (making what replaces its records durable).
   */
  async checkpoint(through: number, force = false, beforeDelete?: () => Promise<void>): Promise<void> {
    if (force || this.#size > SEGMENT_BYTES) {
      this.#rotate = true;
      this.#kick();
      await this.drain();
    }
    const current = this.#segments.at(-1)!;
    const keep: number[] = [];
    const drop: number[] = [];
    for (const [index, start] of this.#segments.entries()) {
      const end = (this.#segments[index + 1] ?? Number.POSITIVE_INFINITY) - 1;
      if (start !== current && end <= through) drop.push(start);
      else keep.push(start);
    }
    if (drop.length === 0) return;
    await beforeDelete?.();
    for (const start of drop) {
      await unlink(join(this.dir, segmentName(start))).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    this.#segments = keep;
  }

  /** Waits until everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    await this.drain();
    await this.#closeCurrent();
    await this.#files.close();
  }

  async #closeCurrent(): Promise<void> {
    const current = this.#current;
    this.#current = null;
    if (current) await this.#files.thread().run({ op: 'close', path: current });
  }

  async #startSegment(flags: 'a' | 'w' = 'a'): Promise<void> {
    await this.#closeCurrent();
    const start = this.#last + 1;
    const path = join(this.dir, segmentName(start));
    await this.#files.thread().run({ op: 'open', path, flags });
    this.#current = path;
    if (this.#fsync) await this.#files.thread().run({ op: 'fsyncDir', path: this.dir });
    if (this.#segments.at(-1) !== start) this.#segments.push(start);
    this.#size = 0;
  }

  #kick(): void {
    if (this.#running) return;
    // The first write waits for the next turn of the event loop, so the appends of this turn's
    // other callbacks (webhooks, commits and statuses arriving together) join it: at a moderate
    // rate each one was otherwise a write, an fsync and a thread wake-up of its own (measured:
    // ~10 % of the event loop's time per reply in the paced open loop).
    this.#running = nextTurn()
      .then(() => this.#loop())
      .finally(() => {
        this.#running = null;
        if (this.#queue.length > 0 || this.#rotate) this.#kick();
      });
  }

  async #loop(): Promise<void> {
    while (this.#queue.length > 0 || this.#rotate) {
      if (this.#rotate && this.#queue.length === 0) {
        this.#rotate = false;
        await this.#startSegment();
        continue;
      }
      const batch = this.#queue;
      this.#queue = [];
      const records = batch.map((item) => item.json).join('\n');
      const path = this.#current;
      try {
        if (!path) throw new StoreError('store.not_initialized', 'The data store is not open.');
        await this.#files.thread().run({ op: 'append', path, records, sync: this.#fsync }, { now: true });
        // Each line is its JSON, 8 hex digits of checksum, a space and a newline.
        this.#size += Buffer.byteLength(records) + batch.length * 9 + 1;
        this.flushes += 1;
        for (const item of batch) item.resolve();
      } catch (error) {
        // The batch may be partly on disk: continue in a new segment; replay stops at the damage.
        for (const item of batch) item.reject(error);
        await this.#startSegment().catch(() => undefined);
      }
    }
  }
}

function segmentName(start: number): string {
  return `${String(start).padStart(16, '0')}.ndjson`;
}

/** The checksum of lines written before CRC-32 (replay after an upgrade). */
function legacyChecksum(json: string): string {
  return createHash('sha1').update(json).digest('hex').slice(0, 8);
}

function parseLine<R>(line: string): R | null {
  if (line.length < 10 || line[8] !== ' ') return null;
  const json = line.slice(9);
  const sum = line.slice(0, 8);
  if (journalChecksum(json) !== sum && legacyChecksum(json) !== sum) return null;
  try {
    return JSON.parse(json) as R;
  } catch {
    return null;
  }
}
