import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtomicJsonFile, writeFileAtomic } from './AtomicJsonFile.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('AtomicJsonFile', () => {
  it('is a lowdb adapter that really writes to disk, even under NODE_ENV=test', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    const path = join(dir, 'users.json');
    const db = new Low(new AtomicJsonFile<{ users: string[] }>(path), { users: [] });
    await db.read();
    expect(db.data).toEqual({ users: [] });
    await db.update((data) => data.users.push('ada'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ users: ['ada'] });
    const again = new Low(new AtomicJsonFile<{ users: string[] }>(path), { users: [] });
    await again.read();
    expect(again.data.users).toEqual(['ada']);
  });

  it('returns null for a missing file and a clear error for a damaged one', async () => {
    expect(await new AtomicJsonFile(join(dir, 'none.json')).read()).toBeNull();
    await writeFile(join(dir, 'bad.json'), '{"users": [');
    await expect(new AtomicJsonFile(join(dir, 'bad.json')).read()).rejects.toMatchObject({
      code: 'store.corrupt_document',
    });
  });

  it('leaves no temporary files and survives many concurrent writers to one path', async () => {
    const path = join(dir, 'doc.json');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => writeFileAtomic(path, JSON.stringify({ i }), { fsync: true })),
    );
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty('i');
    expect(await readdir(dir)).toEqual(['doc.json']);
  });

  it('fails cleanly when the folder does not exist', async () => {
    await expect(
      writeFileAtomic(join(dir, 'missing', 'x.json'), '{}', { fsync: true }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
