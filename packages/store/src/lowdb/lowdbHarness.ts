import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreHarness } from '../conformance/describeStoreConformance.js';
import { createLowdbStore } from './createLowdbStore.js';

/** Every file under `dir`, concatenated (names included: ids must not leak through file names). */
export async function dumpDirectory(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    parts.push(path);
    if (entry.isFile()) parts.push(await readFile(path, 'utf8'));
  }
  return parts.join('\n');
}

/** A conformance harness over a fresh temp folder (fsync off: the suite checks behaviour, not power loss). */
export async function lowdbHarness(
  options: { fsync?: boolean } = {},
): Promise<StoreHarness & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-lowdb-'));
  return {
    dataDir,
    async open(open = {}) {
      const store = createLowdbStore({
        dataDir,
        cipher: open.cipher,
        contentEncryption: open.contentEncryption ?? false,
        clock: open.clock,
        fsync: options.fsync ?? false,
      });
      await store.init();
      return store;
    },
    dump: () => dumpDirectory(dataDir),
    destroy: () => rm(dataDir, { recursive: true, force: true }),
  };
}
