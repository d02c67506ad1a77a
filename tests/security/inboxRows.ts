import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** One stored inbox row as the lowdb journal keeps it. */
export interface JournalRow {
  id: string;
  event?: { type?: string; message?: { id?: string; text?: string; type?: string } };
  [key: string]: unknown;
}

/**
 * The inbox rows the lowdb store holds in DATA_DIR/inbox.ndjson, by id: what a webhook stored,
 * read from the file itself rather than through the store's API.
 */
export async function readInboxRows(dataDir: string): Promise<Map<string, JournalRow>> {
  let text = '';
  try {
    text = await readFile(path.join(dataDir, 'inbox.ndjson'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const rows = new Map<string, JournalRow>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const parsed = JSON.parse(line) as { t?: string; r?: JournalRow };
      if (parsed.t === 'row' && parsed.r && typeof parsed.r.id === 'string') rows.set(parsed.r.id, parsed.r);
    } catch {
      // A torn last line was never acknowledged.
    }
  }
  return rows;
}
