import { StoreError } from '../errors.js';

/**
 * Reads a 32-byte key from an env value: 64 hex characters or base64/base64url of 32 bytes.
 * @example parseEncryptionKey(process.env.DATA_ENCRYPTION_KEY!)
 */
export function parseEncryptionKey(value: string): Buffer {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  throw new StoreError(
    'crypto.bad_key',
    'DATA_ENCRYPTION_KEY must be 32 random bytes written as base64 (44 characters) or hex (64 characters). ' +
      "Create one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"",
  );
}

/**
 * Reads a keyring from an env value: one key, or `id:key,id:key` where the first is active.
 * @example parseKeyring('k2:BASE64,k1:BASE64') // encrypt with k2, still read k1
 */
export function parseKeyring(value: string): { keys: { id: string; key: Buffer }[]; activeKeyId: string } {
  const entries = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (entries.length === 0)
    return { keys: [{ id: 'k1', key: parseEncryptionKey(value) }], activeKeyId: 'k1' };
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    return colon > 0
      ? { id: entry.slice(0, colon), key: parseEncryptionKey(entry.slice(colon + 1)) }
      : { id: `k${entries.length - index}`, key: parseEncryptionKey(entry) };
  });
  return { keys, activeKeyId: keys[0]!.id };
}
