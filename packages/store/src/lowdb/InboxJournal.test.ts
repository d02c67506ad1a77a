import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InboxJournal } from './InboxJournal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('InboxJournal', () => {
  it('group-commits concurrent appends into few fsync’d writes, all durable on resolve', async () => {
    const journal = new InboxJournal(join(dir, 'inbox.ndjson'), { fsync: true });
    const appends = Array.from({ length: 300 }, (_, i) => journal.append([{ t: 'done', h: `h${i}`, at: i }]));
    await Promise.all(appends);
    const text = await readFile(join(dir, 'inbox.ndjson'), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(300);
    expect(journal.flushes).toBeLessThan(30);
    expect((await journal.readAll()).map((line) => (line.t === 'done' ? line.h : '')).sort()).toHaveLength(
      300,
    );
  });

  it('skips a torn last line and compacts to exactly what it is given', async () => {
    const path = join(dir, 'inbox.ndjson');
    const journal = new InboxJournal(path, { fsync: false });
    await journal.append([{ t: 'done', h: 'a', at: 1 }]);
    await appendFile(path, '{"t":"row","r":{"id":"torn"');
    expect(await journal.readAll()).toEqual([{ t: 'done', h: 'a', at: 1 }]);
    await journal.compact(() => [{ t: 'done', h: 'b', at: 2 }]);
    await journal.append([{ t: 'done', h: 'c', at: 3 }]);
    expect(await journal.readAll()).toEqual([
      { t: 'done', h: 'b', at: 2 },
      { t: 'done', h: 'c', at: 3 },
    ]);
  });

  it('rejects the appends of a failed write', async () => {
    const journal = new InboxJournal(join(dir, 'missing', 'inbox.ndjson'), { fsync: false });
    await expect(journal.append([{ t: 'done', h: 'a', at: 1 }])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
