import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateLocalKey } from './loadOrCreateLocalKey.js';
import { parseEncryptionKey, parseKeyring } from './parseEncryptionKey.js';

describe('parseEncryptionKey', () => {
  const key = randomBytes(32);

  it('reads base64, base64url and hex', () => {
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
    expect(parseEncryptionKey(` ${key.toString('hex')}\n`)).toEqual(key);
  });

  it('explains what is wrong with a short or garbled key', () => {
    expect(() => parseEncryptionKey(randomBytes(16).toString('base64'))).toThrow(/32 random bytes/);
    expect(() => parseEncryptionKey('correct horse battery staple')).toThrow(
      expect.objectContaining({ code: 'crypto.bad_key' }),
    );
  });

  it('reads a keyring, the first key active', () => {
    const other = randomBytes(32);
    const ring = parseKeyring(`k2:${key.toString('base64')},k1:${other.toString('hex')}`);
    expect(ring.activeKeyId).toBe('k2');
    expect(ring.keys.map((item) => item.id)).toEqual(['k2', 'k1']);
    expect(parseKeyring(key.toString('base64')).keys[0]?.key).toEqual(key);
  });
});

describe('loadOrCreateLocalKey', () => {
  it('creates a 0600 key on first start and returns the same key afterwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-key-'));
    try {
      const first = await loadOrCreateLocalKey(dir);
      expect(first.created).toBe(true);
      expect(first.key).toHaveLength(32);
      expect((await stat(first.path)).mode & 0o777).toBe(0o600);
      await chmod(first.path, 0o644);
      const second = await loadOrCreateLocalKey(dir);
      expect(second).toMatchObject({ created: false });
      expect(second.key).toEqual(first.key);
      expect((await stat(first.path)).mode & 0o777).toBe(0o600);
      expect((await readFile(first.path, 'utf8')).trim()).toBe(first.key.toString('base64'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
