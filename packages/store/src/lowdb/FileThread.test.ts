import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileThread } from './FileThread.js';

describe('FileThread', () => {
  let dir: string;
  let thread: FileThread;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-filethread-'));
    thread = new FileThread();
  });
  afterEach(async () => {
    await thread.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes atomically (creating the folder), reads back, and reads a missing file as null', async () => {
    const path = join(dir, 'a', 'b', 'doc.json');
    await thread.run({
      op: 'write',
      path,
      tmp: `${path}.1.tmp`,
      text: '{"x":1}',
      fsync: true,
      mkdir: join(dir, 'a', 'b'),
    });
    await thread.run({ op: 'fsyncDir', path: join(dir, 'a', 'b') });
    expect(await readFile(path, 'utf8')).toBe('{"x":1}');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['doc.json']);
    await expect(thread.run({ op: 'read', path })).resolves.toBe('{"x":1}');
    await expect(thread.run({ op: 'read', path: join(dir, 'missing.json') })).resolves.toBeNull();
  });

  it('runs a burst of jobs in the order asked, across several batches', async () => {
    const path = join(dir, 'doc.json');
    const writes = Array.from({ length: 200 }, (_, i) =>
      thread.run({ op: 'write', path, tmp: `${path}.${i}.tmp`, text: String(i), fsync: false }),
    );
    const read = thread.run({ op: 'read', path });
    await Promise.all(writes);
    // The read was asked after the 200th write: it sees that one.
    await expect(read).resolves.toBe('199');
    expect(await readdir(dir)).toEqual(['doc.json']);
  });

  it('fails one job with its error code and leaves no temporary file; the next job still runs', async () => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, 'not a folder');
    const path = join(blocker, 'doc.json');
    await expect(
      thread.run({ op: 'write', path, tmp: join(dir, 'doc.tmp'), text: '{}', fsync: true }),
    ).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(await readdir(dir)).toEqual(['file']);
    await expect(thread.run({ op: 'unlink', path: join(dir, 'nope') })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await thread.run({ op: 'unlink', path: blocker });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses work once closed', async () => {
    await thread.close();
    expect(thread.broken).toBe(true);
    await expect(thread.run({ op: 'read', path: join(dir, 'x') })).rejects.toThrow(/file thread/);
  });
});
