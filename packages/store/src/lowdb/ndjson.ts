import { readFile } from 'node:fs/promises';

/** A file's text, or '' when it does not exist (yet). */
export async function readTextIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/**
 * The records of an append-only NDJSON file, in order. A line that does not parse is skipped: only
 * a crash mid-append tears a line, and a torn append was never acknowledged.
 */
export function parseNdjsonLines<T>(text: string): T[] {
  const records: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      // Torn: see above.
    }
  }
  return records;
}
