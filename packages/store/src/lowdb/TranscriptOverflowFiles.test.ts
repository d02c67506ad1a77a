import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transcriptOverflowPath } from './conversationDocument.js';
import { TranscriptOverflowFiles } from './TranscriptOverflowFiles.js';

describe('TranscriptOverflowFiles', () => {
  let dir: string;
  let files: TranscriptOverflowFiles;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-overflow-'));
    files = new TranscriptOverflowFiles(dir, { fsync: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends in order, skips a torn tail line, rewrites and deletes', async () => {
    expect(await files.read('c1')).toEqual([]);
    await files.append('c1', [{ id: 'a' }, { id: 'b' }]);
    await files.append('c1', []);
    await files.append('c1', [{ id: 'c' }]);
    // A crash in the middle of an append leaves half a line.
    await appendFile(transcriptOverflowPath(dir, 'c1'), '{"id":"d"');
    expect(await files.read('c1')).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    await files.rewrite('c1', [{ id: 'c' }]);
    expect(await readFile(transcriptOverflowPath(dir, 'c1'), 'utf8')).toBe('{"id":"c"}\n');
    await files.rewrite('c1', []);
    await files.rewrite('c1', []);
    expect(await files.read('c1')).toEqual([]);
  });
});
