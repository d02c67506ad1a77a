import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { StoreLockedError } from '../errors.js';

/** Data folders held by this process: a second store in one process is refused too. */
const heldInProcess = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `dataDir/.lock` (O_EXCL, with pid and host), so two servers never write one data folder.
 * A lock left by a dead process on this host is taken over.
 * @example const release = await acquireDataDirLock('./data');
 */
export async function acquireDataDirLock(dataDir: string): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  const path = join(dir, '.lock');
  if (heldInProcess.has(dir)) throw new StoreLockedError(process.pid, dataDir);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(
        JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
      );
      await handle.close();
      heldInProcess.add(dir);
      return async () => {
        heldInProcess.delete(dir);
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: { pid?: number; host?: string } = {};
    try {
      holder = JSON.parse(await readFile(path, 'utf8')) as typeof holder;
    } catch {
      // A lock file torn by a crash during its creation: nobody holds it.
    }
    const pid = typeof holder.pid === 'number' ? holder.pid : 0;
    const sameHost = holder.host === undefined || holder.host === hostname();
    if (pid > 0 && (!sameHost || (pid !== process.pid && isAlive(pid))))
      throw new StoreLockedError(pid, dataDir);
    // Stale: the holder died (or it is our own pid from a previous life in a container).
    await unlink(path).catch(() => undefined);
  }
  throw new StoreLockedError(0, dataDir);
}
