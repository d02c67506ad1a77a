import { describe, expect, it } from 'vitest';
import { RecentReads } from './RecentReads.js';

describe('RecentReads', () => {
  it('reads a key once per ttl, shares a read in flight, and reads again after forget()', async () => {
    let now = 0;
    const reads: string[] = [];
    const cache = new RecentReads<string>({ ttlMs: 1_000, now: () => now });
    const read = async (key: string) => {
      reads.push(key);
      return `${key}@${reads.length}`;
    };
    const [a, b] = await Promise.all([cache.get('k', read), cache.get('k', read)]);
    expect([a, b]).toEqual(['k@1', 'k@1']);
    now = 999;
    expect(await cache.get('k', read)).toBe('k@1');
    now = 1_000;
    expect(await cache.get('k', read)).toBe('k@2');
    cache.forget();
    expect(await cache.get('k', read)).toBe('k@3');
    expect(await cache.get('other', read)).toBe('other@4');
    expect(reads).toEqual(['k', 'k', 'k', 'other']);
  });

  it('does not remember a failed read', async () => {
    const cache = new RecentReads<string>({ ttlMs: 1_000, now: () => 0 });
    let fail = true;
    const read = async () => {
      if (fail) throw new Error('connection lost');
      return 'ok';
    };
    await expect(cache.get('k', read)).rejects.toThrow('connection lost');
    fail = false;
    expect(await cache.get('k', read)).toBe('ok');
  });

  it('keeps at most maxEntries keys, dropping the oldest', async () => {
    const reads: string[] = [];
    const cache = new RecentReads<string>({ ttlMs: 1_000, maxEntries: 2, now: () => 0 });
    const read = async (key: string) => {
      reads.push(key);
      return key;
    };
    for (const key of ['a', 'b', 'c', 'b', 'a']) await cache.get(key, read);
    expect(reads).toEqual(['a', 'b', 'c', 'a']);
  });
});
