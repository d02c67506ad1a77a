import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreLockedError } from '../errors.js';
import { createLowdbStore } from './createLowdbStore.js';
import { acquireDataDirLock } from './DataDirLock.js';
import { spawnChild, waitForLine } from './testChildren/spawnChild.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-lock-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the data folder lock', () => {
  it('refuses a second server process on the same folder with a clear message', async () => {
    const holder = spawnChild('holdStore', [dataDir]);
    try {
      await waitForLine(holder, /^ready$/);
      const store = createLowdbStore({ dataDir, contentEncryption: false, fsync: false });
      const error = await store.init().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreLockedError);
      expect((error as StoreLockedError).message).toBe(
        `Another Parley server (pid ${holder.pid}) is using ${dataDir}. Stop it or set DATA_DIR to another folder.`,
      );
      const second = spawnChild('holdStore', [dataDir]);
      expect(await waitForLine(second, /^refused/)).toContain('store.locked');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that was killed', async () => {
    const holder = spawnChild('holdStore', [dataDir]);
    await waitForLine(holder, /^ready$/);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const store = createLowdbStore({ dataDir, contentEncryption: false, fsync: false });
    await store.init();
    expect(await store.ping()).toBe(true);
    await store.close();
  });

  it('refuses a second store in the same process and frees the folder on close', async () => {
    const release = await acquireDataDirLock(dataDir);
    await expect(acquireDataDirLock(dataDir)).rejects.toBeInstanceOf(StoreLockedError);
    await release();
    const again = await acquireDataDirLock(dataDir);
    await again();
  });

  it('treats a torn or foreign-free lock file as stale', async () => {
    await writeFile(join(dataDir, '.lock'), '{"pid": 99999999');
    const release = await acquireDataDirLock(dataDir);
    await release();
    await writeFile(join(dataDir, '.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
    const releaseAgain = await acquireDataDirLock(dataDir);
    await releaseAgain();
  });
});
