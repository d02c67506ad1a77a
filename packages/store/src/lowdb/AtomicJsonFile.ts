import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { StoreError } from '../errors.js';

/** Flushes a directory entry (a rename) to disk; some platforms refuse, which we tolerate. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}

/** Makes temporary names unique per process without a random draw per write. */
const tmpPrefix = `${process.pid}.${randomBytes(4).toString('hex')}`;
let tmpCounter = 0;

/** A unique temporary name beside `path`: steno's fixed `.file.tmp` makes two writers collide (lowdb#555). */
export function temporaryPathFor(path: string): string {
  tmpCounter += 1;
  return join(dirname(path), `.${basename(path)}.${tmpPrefix}.${tmpCounter}.tmp`);
}

/** Parses a data file's text; damage is `store.corrupt_document`, naming the file. */
export function parseJsonFile<T>(path: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new StoreError('store.corrupt_document', `The data file ${path} is damaged and cannot be read.`, {
      cause,
    });
  }
}

/**
 * Writes `text` to `path` atomically: a uniquely named temporary file in the same folder,
 * fsync of its data, rename over the target, then fsync of the folder. A crash leaves either
 * the old file or the new one, never a torn one. (Conversation documents are written the same
 * way on a file thread, see `fileThread.worker.mjs`, with one folder fsync per checkpoint.)
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: { fsync: boolean },
): Promise<void> {
  const tmp = temporaryPathFor(path);
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    if (options.fsync) await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  if (options.fsync) await fsyncDirectory(dirname(path));
}

/**
 * A lowdb `Adapter` for one compact JSON document, written with `writeFileAtomic`. Unlike
 * `JSONFilePreset`, it never switches to memory under `NODE_ENV=test`.
 * @example const db = new Low(new AtomicJsonFile<Users>('./data/users.json'), { users: [] });
 */
export class AtomicJsonFile<T> implements Adapter<T> {
  readonly path: string;
  readonly #fsync: boolean;

  constructor(path: string, options: { fsync?: boolean } = {}) {
    this.path = path;
    this.#fsync = options.fsync ?? true;
  }

  /** Returns null when the file does not exist yet; throws `store.corrupt_document` when it does not parse. */
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return parseJsonFile<T>(this.path, text);
  }

  async write(data: T): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify(data), { fsync: this.#fsync });
  }
}
