import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocumentJournal } from './DocumentJournal.js';
import { spawnChild, waitForLine } from './testChildren/spawnChild.js';

type Rec = { n: number; text: string };

describe('DocumentJournal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'parley-journal-')), 'journal');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  async function write(journal: DocumentJournal<Rec>, texts: string[]): Promise<number[]> {
    return Promise.all(
      texts.map(async (text) => {
        const n = journal.next();
        await journal.append({ n, text });
        return n;
      }),
    );
  }

  it('group-commits concurrent appends and replays them in order after a restart', async () => {
    const journal = new DocumentJournal<Rec>(dir, { fsync: true });
    expect(await journal.open()).toEqual([]);
    const numbers = await write(
      journal,
      Array.from({ length: 200 }, (_, i) => `record ${i}`),
    );
    expect(journal.flushes).toBeLessThan(20);
    await journal.close();
    const again = new DocumentJournal<Rec>(dir, { fsync: true });
    const records = await again.open();
    expect(records.map((record) => record.n)).toEqual(numbers);
    expect(records[7]?.text).toBe('record 7');
    // Numbers continue after the replayed ones.
    expect(again.next()).toBe(201);
    await again.close();
  });

  it('writes one checksummed line per record whatever its text holds (newlines, escapes, non-ASCII)', async () => {
    const journal = new DocumentJournal<Rec>(dir, { fsync: true });
    await journal.open();
    // The file thread splits a batch's JSON at its newlines: a text's own line breaks must not
    // cut a record in two.
    const texts = [
      'two\nlines',
      'crlf\r\n',
      'sep\u2028para\u2029',
      'مرحبا 你好 🍕',
      'back\\slash \\n "quoted"',
      '',
    ];
    const numbers = await write(journal, texts);
    await journal.close();
    const [segment] = (await readdir(dir)).filter((name) => name.endsWith('.ndjson'));
    const lines = (await readFile(join(dir, segment!), 'utf8')).split('\n');
    expect(lines).toHaveLength(texts.length + 1);
    expect(lines.at(-1)).toBe('');
    const again = new DocumentJournal<Rec>(dir, { fsync: true });
    const records = await again.open();
    expect(records).toEqual(numbers.map((n, i) => ({ n, text: texts[i] })));
    await again.close();
  });

  it('writes the appends of separate callbacks of one event-loop turn together', async () => {
    const journal = new DocumentJournal<Rec>(dir, { fsync: true });
    await journal.open();
    // Two callbacks run in one turn, like two webhooks or commits arriving together: the first
    // append's write waits for the turn to end, so the second shares its write and fsync. (Two
    // immediates, not two 0 ms timers: timers set in one tick may fall due a millisecond apart
    // and run in different turns, which failed this test now and then.)
    const appended = await new Promise<Promise<number[]>[]>((resolve) => {
      const writes: Promise<number[]>[] = [];
      setImmediate(() => writes.push(write(journal, ['first'])));
      setImmediate(() => resolve([...writes, write(journal, ['second'])]));
    });
    await Promise.all(appended);
    expect(journal.flushes).toBe(1);
    await journal.close();
  });

  it('drops a torn tail and a damaged line, and never appends after them', async () => {
    const journal = new DocumentJournal<Rec>(dir, { fsync: false });
    await journal.open();
    await write(journal, ['a', 'b', 'c']);
    await journal.close();
    const [segment] = await readdir(dir);
    const text = await readFile(join(dir, segment!), 'utf8');
    // The last line loses its end (a crash mid-append).
    await writeFile(join(dir, segment!), text.slice(0, -7));
    const torn = new DocumentJournal<Rec>(dir, { fsync: false });
    expect((await torn.open()).map((record) => record.text)).toEqual(['a', 'b']);
    await write(torn, ['d']);
    await torn.close();
    // A flipped checksum: that line and everything after it in the segment are ignored.
    const lines = text.split('\n');
    await writeFile(
      join(dir, segment!),
      `${lines[0]}\n${lines[1]!.replace(/^./, (c) => (c === '0' ? '1' : '0'))}\n`,
    );
    const damaged = new DocumentJournal<Rec>(dir, { fsync: false });
    expect((await damaged.open()).map((record) => record.text)).toEqual(['a', 'd']);
    await damaged.close();
  });

  it('replays lines of journals written with the former SHA-1 checksum, up to a damaged one', async () => {
    await mkdir(dir, { recursive: true });
    const sha1Line = (record: Rec) => {
      const json = JSON.stringify(record);
      return `${createHash('sha1').update(json).digest('hex').slice(0, 8)} ${json}\n`;
    };
    const damaged = sha1Line({ n: 3, text: 'c' }).replace('"c"', '"x"');
    await writeFile(
      join(dir, '0000000000000001.ndjson'),
      sha1Line({ n: 1, text: 'a' }) + sha1Line({ n: 2, text: 'b' }) + damaged,
    );
    const journal = new DocumentJournal<Rec>(dir, { fsync: false });
    expect((await journal.open()).map((record) => record.text)).toEqual(['a', 'b']);
    await write(journal, ['d']);
    await journal.close();
    const again = new DocumentJournal<Rec>(dir, { fsync: false });
    expect((await again.open()).map((record) => record.text)).toEqual(['a', 'b', 'd']);
    await again.close();
  });

  it('deletes only segments whose records are all covered by a checkpoint', async () => {
    const journal = new DocumentJournal<Rec>(dir, { fsync: false });
    await journal.open();
    await write(journal, ['a', 'b']);
    await journal.checkpoint(0, true);
    await write(journal, ['c', 'd']);
    // Record 3 is not covered: the segment holding 3 and 4 stays, the one with 1 and 2 goes.
    await journal.checkpoint(2, true);
    expect(await readdir(dir)).toHaveLength(2);
    await write(journal, ['e']);
    await journal.close();
    const again = new DocumentJournal<Rec>(dir, { fsync: false });
    expect((await again.open()).map((record) => record.text)).toEqual(['c', 'd', 'e']);
    await again.checkpoint(again.last, true);
    expect(await readdir(dir)).toHaveLength(1);
    expect(await again.open().then(() => again.next())).toBe(6);
    await again.close();
    // With every segment gone, numbering still never goes back (the documents carry it).
    const fresh = new DocumentJournal<Rec>(dir, { fsync: false });
    await fresh.open();
    fresh.advance(41);
    expect(fresh.next()).toBe(42);
    await fresh.close();
  });

  it('starts afresh over a segment that holds only a torn line', async () => {
    const journal = new DocumentJournal<Rec>(dir, { fsync: false });
    await journal.open();
    await journal.close();
    const [segment] = await readdir(dir);
    await writeFile(join(dir, segment!), '0badc0de {"n":1,"te');
    const torn = new DocumentJournal<Rec>(dir, { fsync: false });
    expect(await torn.open()).toEqual([]);
    await write(torn, ['a']);
    await torn.close();
    const again = new DocumentJournal<Rec>(dir, { fsync: false });
    expect((await again.open()).map((record) => record.text)).toEqual(['a']);
    await again.close();
  });

  it('rejects appends after close', async () => {
    const journal = new DocumentJournal<Rec>(dir, { fsync: false });
    await journal.open();
    await journal.close();
    await expect(journal.append({ n: journal.next(), text: 'late' })).rejects.toMatchObject({
      code: 'store.not_initialized',
    });
  });

  it(
    'keeps every acknowledged record across kill -9 during appends and checkpoints',
    { timeout: 60_000 },
    async () => {
      const acked = new Set<number>();
      for (let round = 0; round < 6; round += 1) {
        const child = spawnChild('journalLoop', [dir]);
        child.stdout!.on('data', (chunk: Buffer) => {
          for (const match of chunk.toString().matchAll(/^ack (\d+)$/gm)) acked.add(Number(match[1]));
        });
        await waitForLine(child, /^ack /);
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      const journal = new DocumentJournal<Rec>(dir, { fsync: false });
      const present = new Set((await journal.open()).map((record) => record.n));
      await journal.close();
      // A checkpoint runs after an acknowledged `n` and covers `n - 100`: nothing newer may be gone.
      const newest = Math.max(...acked);
      const missing = [...acked].filter((n) => n > newest - 100 && !present.has(n));
      expect(acked.size).toBeGreaterThan(50);
      expect(missing).toEqual([]);
    },
  );
});
