// The body of a FileThread (see FileThread.ts): runs batches of file jobs with synchronous calls,
// off the main thread. Plain JavaScript so the same file runs from the sources and from dist.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** Some platforms refuse to fsync a directory; that is tolerated, as in AtomicJsonFile. */
const DIRECTORY_SYNC_REFUSED = new Set(['EISDIR', 'EPERM', 'EINVAL']);

function writeAtomic(job) {
  if (job.mkdir) mkdirSync(job.mkdir, { recursive: true });
  const fd = openSync(job.tmp, 'w', 0o600);
  try {
    writeSync(fd, job.text);
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
