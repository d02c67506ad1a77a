import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptError, StoreError } from '../errors.js';
import { createCipher, pooledRandom } from './createCipher.js';

const key1 = randomBytes(32);
const key2 = randomBytes(32);

describe('createCipher', () => {
  it('round-trips with a fresh IV each time and the v1.<key>.<iv>.<tag>.<ct> format', () => {
    const cipher = createCipher({ keys: [{ id: 'k1', key: key1 }], activeKeyId: 'k1' });
    const a = cipher.encrypt('hello wörld', 'outbox|o1');
    const b = cipher.encrypt('hello wörld', 'outbox|o1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(cipher.decrypt(a, 'outbox|o1')).toBe('hello wörld');
    expect(cipher.isSealed(a)).toBe(true);
    expect(cipher.isSealed('hello')).toBe(false);
  });

  it('gives every seal its own IV, across the random blocks they are cut from', () => {
    const random = pooledRandom(64);
    const cuts = Array.from({ length: 40 }, () => random(12));
    // 5 IVs per 64-byte block: 8 blocks, none handed out twice, none changed after handing out.
    const texts = cuts.map((iv) => iv.toString('hex'));
    expect(new Set(texts).size).toBe(40);
    random(12);
    expect(cuts.map((iv) => iv.toString('hex'))).toEqual(texts);
    const cipher = createCipher({ keys: [{ id: 'k1', key: key1 }], activeKeyId: 'k1' });
    const ivs = Array.from({ length: 1_000 }, () => cipher.encrypt('same', 'a').split('.')[2]);
    expect(new Set(ivs).size).toBe(1_000);
  });

  it('refuses a ciphertext moved to another record (AAD)', () => {
    const cipher = createCipher({ keys: [{ id: 'k1', key: key1 }], activeKeyId: 'k1' });
    const sealed = cipher.encrypt('secret', 'outbox|o1');
    expect(() => cipher.decrypt(sealed, 'outbox|o2')).toThrow(DecryptError);
  });

  it('refuses tampered ciphertext, tag or IV', () => {
    const cipher = createCipher({ keys: [{ id: 'k1', key: key1 }], activeKeyId: 'k1' });
    const sealed = cipher.encrypt('secret message', 'a');
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const part = Buffer.from(parts[index]!, 'base64url');
      part[0] = part[0]! ^ 1;
      const tampered = [...parts.slice(0, index), part.toString('base64url'), ...parts.slice(index + 1)].join(
        '.',
      );
      expect(() => cipher.decrypt(tampered, 'a')).toThrow(
        expect.objectContaining({ code: 'crypto.decrypt_failed' }),
      );
    }
    expect(() => cipher.decrypt('not-a-ciphertext', 'a')).toThrow(DecryptError);
  });

  it('rotates: encrypts with the active key and still reads values sealed with an older one', () => {
    const old = createCipher({ keys: [{ id: 'k1', key: key1 }], activeKeyId: 'k1' });
    const sealedOld = old.encrypt('before rotation', 'x');
    const rotated = createCipher({
      keys: [
        { id: 'k2', key: key2 },
        { id: 'k1', key: key1 },
      ],
      activeKeyId: 'k2',
    });
    expect(rotated.decrypt(sealedOld, 'x')).toBe('before rotation');
    expect(rotated.encrypt('after', 'x').startsWith('v1.k2.')).toBe(true);
    const withoutOld = createCipher({ keys: [{ id: 'k2', key: key2 }], activeKeyId: 'k2' });
    expect(() => withoutOld.decrypt(sealedOld, 'x')).toThrow(
      expect.objectContaining({ code: 'crypto.unknown_key' }),
    );
  });

  it('rejects bad keys and an active key missing from the ring', () => {
    expect(() => createCipher({ keys: [{ id: 'k1', key: randomBytes(16) }], activeKeyId: 'k1' })).toThrow(
      StoreError,
    );
    expect(() => createCipher({ keys: [{ id: 'k.1', key: key1 }], activeKeyId: 'k.1' })).toThrow(/letters/);
    expect(() => createCipher({ keys: [{ id: 'k1', key: key1 }], activeKeyId: 'k9' })).toThrow(
      /not in the keyring/,
    );
  });
});
