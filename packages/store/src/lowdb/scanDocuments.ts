import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConversationDocument } from './conversationDocument.js';
import type { LowdbDocuments } from './LowdbDocuments.js';

/**
 * Reads every conversation document (start-up without an index snapshot) and hands each to
 * `onDocument`; deletes temporary files of writes that never reached their rename. Returns the count.
 */
export async function scanDocuments(
  dataDir: string,
  docs: LowdbDocuments,
  onDocument: (doc: ConversationDocument) => void,
): Promise<number> {
  const root = join(dataDir, 'conversations');
  await mkdir(root, { recursive: true });
  let count = 0;
  for (const shard of await readdir(root)) {
    const dir = join(root, shard);
    const names = await readdir(dir).catch(() => [] as string[]);
    // Bounded parallelism: fast on a page-cached disk without opening thousands of files at once.
    for (let i = 0; i < names.length; i += 64) {
      await Promise.all(
        names.slice(i, i + 64).map(async (name) => {
          const path = join(dir, name);
          if (name.endsWith('.tmp')) {
            // A write that never reached its rename: it was never acknowledged.
            await unlink(path).catch(() => undefined);
            return;
          }
          const doc = await docs.readPath(path);
          if (!doc) return;
          onDocument(doc);
          count += 1;
        }),
      );
    }
  }
  return count;
}
