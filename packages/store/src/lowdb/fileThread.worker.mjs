// The body of a FileThread (see FileThread.ts): runs batches of file jobs with synchronous calls,
// off the main thread. Plain JavaScript so the same file runs from the sources and from dist.
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { journalLines } from './journalLines.mjs';

/** Some platforms refuse to fsync a directory; that is tolerated, as in AtomicJsonFile. */
const DIRECTORY_SYNC_REFUSED = new Set(['EISDIR', 'EPERM', 'EINVAL']);

/** Append-only files kept open between appends (the journals), by path. */
const openFiles = new Map();

/** Writes all of `text` (a short write is continued, never left half done). */
function writeAll(fd, text) {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

function closeFile(path) {
  const fd = openFiles.get(path);
  if (fd === undefined) return;
  openFiles.delete(path);
  closeSync(fd);
}

/** Opens `path` for appends ('w' empties it first), replacing a handle already open. */
function openFile(path, flags) {
  closeFile(path);
  openFiles.set(path, openSync(path, flags, 0o600));
}

function append(job) {
  if (!openFiles.has(job.path)) openFile(job.path, 'a');
  const fd = openFiles.get(job.path);
  try {
    writeAll(fd, job.records === undefined ? job.text : journalLines(job.records));
    if (job.sync) fdatasyncSync(fd);
  } catch (error) {
    // The next append reopens: a failed write must not leave a handle in an unknown state.
    closeFile(job.path);
    throw error;
  }
  return null;
}

function writeAtomic(job) {
  if (job.mkdir) mkdirSync(job.mkdir, { recursive: true });
  const fd = openSync(job.tmp, 'w', 0o600);
  try {
    writeAll(fd, job.text);
    if (job.fsync) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(job.tmp);
    } catch {
      // Already gone.
    }
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(job.tmp, job.path);
  } catch (error) {
    try {
      unlinkSync(job.tmp);
    } catch {
      // Already gone.
    }
    throw error;
  }
  return null;
}

function fsyncDirectory(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (!DIRECTORY_SYNC_REFUSED.has(error.code)) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return null;
}

function run(job) {
  switch (job.op) {
    case 'write':
      return writeAtomic(job);
    case 'fsyncDir':
      return fsyncDirectory(job.path);
    case 'open':
      openFile(job.path, job.flags);
      return null;
    case 'append':
      return append(job);
    case 'close':
      closeFile(job.path);
      return null;
    case 'unlink':
      unlinkSync(job.path);
      return null;
    case 'read':
      try {
        return readFileSync(job.path, 'utf8');
      } catch (error) {
        if (error.code === 'ENOENT') return null;
        throw error;
      }
    default:
      throw new Error(`unknown file job ${job.op}`);
  }
}

parentPort.on('message', ({ id, jobs }) => {
  const results = jobs.map((job) => {
    try {
      return { ok: true, value: run(job) };
    } catch (error) {
      return { ok: false, code: error?.code, message: String(error?.message ?? error) };
    }
  });
  parentPort.postMessage({ id, results });
});
