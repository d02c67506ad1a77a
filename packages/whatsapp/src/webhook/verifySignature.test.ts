import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './verifySignature.js';

const SECRET = 'app-secret-1';
const raw = readFileSync(new URL('./samples/batch_two_users_two_messages.json', import.meta.url));
const hex = (body: Buffer | string, secret = SECRET) =>
  createHmac('sha256', secret).update(body).digest('hex');

describe('verifySignature', () => {
  it('accepts the HMAC of the raw bytes', () => {
    expect(verifySignature(raw, `sha256=${hex(raw)}`, [SECRET])).toEqual({ ok: true, secretIndex: 0 });
  });

  it('accepts upper-case hex (both sides are decoded to bytes)', () => {
    expect(verifySignature(raw, `sha256=${hex(raw).toUpperCase()}`, [SECRET]).ok).toBe(true);
  });

  it('refuses a missing or empty header', () => {
    expect(verifySignature(raw, undefined, [SECRET])).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature(raw, '', [SECRET])).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a wrong prefix, a bare hex, a short hex and repeated headers', () => {
    for (const header of [
      `sha1=${hex(raw)}`,
      hex(raw),
      `sha256=${hex(raw).slice(2)}`,
      `SHA256=${hex(raw)}`,
    ]) {
      expect(verifySignature(raw, header, [SECRET])).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(verifySignature(raw, [`sha256=${hex(raw)}`, `sha256=${hex(raw)}`], [SECRET]).ok).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    expect(verifySignature(raw, `sha256=${hex(raw, 'other')}`, [SECRET])).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a body altered by one byte', () => {
    const header = `sha256=${hex(raw)}`;
    const altered = Buffer.from(raw);
    altered[100] = (altered[100] ?? 0) ^ 1;
    expect(verifySignature(altered, header, [SECRET])).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(Buffer.concat([raw, Buffer.from(' ')]), header, [SECRET]).ok).toBe(false);
  });

  it('hashes the exact bytes: re-serialising the escaped wire JSON breaks the signature', () => {
    const header = `sha256=${hex(raw)}`;
    // The sample carries `\u00e1` escapes; JSON.stringify writes `á` as UTF-8 instead.
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8')), null, 2));
    expect(reserialised.equals(raw)).toBe(false);
    expect(verifySignature(reserialised, header, [SECRET]).ok).toBe(false);
    expect(verifySignature(raw, header, [SECRET]).ok).toBe(true);
  });

  it('verifies a body with raw UTF-8 (emoji, accents) over its bytes', () => {
    const body = Buffer.from('{"text":"Olá 👍 ñandú","url":"a\\/b"}', 'utf8');
    expect(verifySignature(body, signBody(body, SECRET), [SECRET]).ok).toBe(true);
    const latin1 = Buffer.from(body.toString('utf8'), 'latin1');
    expect(verifySignature(latin1, signBody(body, SECRET), [SECRET]).ok).toBe(false);
  });

  it('tries every secret (rotation) and reports which one matched', () => {
    expect(verifySignature(raw, `sha256=${hex(raw, 'new')}`, ['old', 'new'])).toEqual({
      ok: true,
      secretIndex: 1,
    });
  });

  it('never accepts anything without a secret', () => {
    expect(verifySignature(raw, `sha256=${hex(raw, '')}`, [])).toEqual({ ok: false, reason: 'no_secret' });
    expect(verifySignature(raw, `sha256=${hex(raw, '')}`, [''])).toEqual({ ok: false, reason: 'no_secret' });
  });
});
