import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFieldCodec } from '../crypto/FieldCodec.js';
import { conversationPath } from './conversationDocument.js';
import { LowdbDocuments } from './LowdbDocuments.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Wide enough that a loaded machine's late timers do not blur "due" and "not due yet". */
const WINDOW_MS = 1_500;

describe('LowdbDocuments write-behind', () => {
  let dir: string;
  let docs: LowdbDocuments;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-docs-'));
    docs = new LowdbDocuments(dir, {
      fsync: true,
      codec: createFieldCodec({ contentEncryption: false }),
      writeBehindMs: WINDOW_MS,
    });
    await docs.open();
  });
  afterEach(async () => {
    await docs.close();
    await rm(dir, { recursive: true, force: true });
  });

  const touch = (id: string, at: number) =>
    docs.exclusive(id, () => ({ result: undefined, change: { done: [{ h: `h${at}`, at }] } }));

  it('writes a document changed again and again once per window, counted from its oldest change', async () => {
    const started = performance.now();
    for (let i = 0; i < 10; i += 1) {
      await touch('busy', i);
      await sleep(50);
    }
    // About 500 ms after the first change: not due yet.
    expect(performance.now() - started).toBeLessThan(WINDOW_MS - 300);
    expect(docs.writes).toBe(0);
    await sleep(WINDOW_MS + 300 - (performance.now() - started));
    expect(docs.writes).toBe(1);
    const stored = JSON.parse(await readFile(conversationPath(dir, 'busy'), 'utf8')) as {
      inboxDone: unknown[];
    };
    expect(stored.inboxDone).toHaveLength(10);
  });

  it('writes a document when it is due, not when a younger one changes', async () => {
    await touch('old', 1);
    await sleep(WINDOW_MS / 2);
    await touch('young', 2);
    await sleep(WINDOW_MS * 0.75);
    // `old` is past its window, `young` is not.
    expect(docs.writes).toBe(1);
    await expect(readFile(conversationPath(dir, 'old'), 'utf8')).resolves.toContain('"h1"');
    await expect(readFile(conversationPath(dir, 'young'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    await sleep(WINDOW_MS / 2);
    expect(docs.writes).toBe(2);
  });

  it('writes everything at once when forced, and the journal is emptied', async () => {
    await touch('a', 1);
    await touch('b', 2);
    await docs.flushAll();
    expect(docs.writes).toBe(2);
    await expect(readFile(conversationPath(dir, 'b'), 'utf8')).resolves.toContain('"h2"');
  });
});

describe('LowdbDocuments cache', () => {
  it('keeps dirty documents past the cache size, then evicts the least recently used clean ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-docs-'));
    const docs = new LowdbDocuments(dir, {
      fsync: false,
      codec: createFieldCodec({ contentEncryption: false }),
      cacheSize: 3,
      writeBehindMs: 60_000,
    });
    await docs.open();
    try {
      for (let i = 0; i < 10; i += 1)
        await docs.exclusive(`c${i}`, () => ({
          result: undefined,
          change: { done: [{ h: `h${i}`, at: i }] },
        }));
      // Unwritten changes cannot leave memory.
      expect(docs.cached).toBe(10);
      await docs.flushAll();
      // Written back: evictable, trimmed as their write chains settle.
      await sleep(10);
      expect(docs.cached).toBeLessThanOrEqual(3);
      // A recently read document stays while others come and go; an evicted one reads back from disk.
      await docs.read('c9');
      for (const id of ['x1', 'x2']) await docs.read(id);
      expect((await docs.read('c0')).inboxDone).toEqual([{ h: 'h0', at: 0 }]);
      expect(docs.cached).toBeLessThanOrEqual(3);
    } finally {
      await docs.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
