import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCipher } from './createCipher.js';
import { createFieldCodec, isSealedValue } from './FieldCodec.js';
import { openFields, sealFields } from './sealFields.js';

const cipher = createCipher({ keys: [{ id: 'k1', key: randomBytes(32) }], activeKeyId: 'k1' });

describe('FieldCodec and sealFields', () => {
  it('leaves content plain without content encryption, but still seals secrets', () => {
    const codec = createFieldCodec({ cipher, contentEncryption: false });
    expect(codec.sealContent({ a: 1 }, 'x')).toEqual({ a: 1 });
    const token = codec.sealSecret('EAAG-token', 'bot|b1|accessToken');
    expect(token).not.toContain('EAAG');
    expect(codec.openSecret(token, 'bot|b1|accessToken')).toBe('EAAG-token');
  });

  it('seals only the named fields and opens them back, bound to the record', () => {
    const codec = createFieldCodec({ cipher, contentEncryption: true });
    const row = { id: 'o1', status: 'pending', message: { type: 'text', text: 'hi there' } };
    const stored = sealFields(codec, row, ['message'], 'outbox|o1');
    expect(stored.status).toBe('pending');
    expect(JSON.stringify(stored)).not.toContain('hi there');
    expect(isSealedValue(stored.$content)).toBe(true);
    expect(openFields(codec, stored, 'outbox|o1')).toEqual(row);
    const moved = {
      ...sealFields(codec, { ...row, id: 'o2' }, ['message'], 'outbox|o2'),
      $content: stored.$content,
    };
    expect(() => openFields(codec, moved, 'outbox|o2')).toThrow(/could not be decrypted/);
  });

  it('reads records written before encryption was turned on', () => {
    const codec = createFieldCodec({ cipher, contentEncryption: true });
    expect(openFields(codec, { id: 'o1', message: 'plain' }, 'outbox|o1')).toEqual({
      id: 'o1',
      message: 'plain',
    });
  });

  it('refuses content encryption without a cipher', () => {
    expect(() => createFieldCodec({ contentEncryption: true })).toThrow(/DATA_ENCRYPTION_KEY/);
    expect(() => createFieldCodec({ contentEncryption: false }).sealSecret('x', 'y')).toThrow(/cipher/);
  });
});
