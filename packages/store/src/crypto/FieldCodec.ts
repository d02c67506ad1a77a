import type { Cipher } from './createCipher.js';

/** How a sealed JSON value is stored: an object with one `$sealed` string. */
export interface SealedValue {
  $sealed: string;
}

/** Seals the sensitive fields of stored records; content only when content encryption is on. */
export interface FieldCodec {
  readonly contentEncryption: boolean;
  /** Seals a JSON value when content encryption is on; returns it unchanged otherwise. */
  sealContent<T>(value: T, aad: string): T | SealedValue;
  /** Opens what `sealContent` produced; plain values (written before encryption was on) pass through. */
  openContent<T>(stored: unknown, aad: string): T;
  /** Seals a secret (access token) always; needs a cipher. */
  sealSecret(plaintext: string, aad: string): string;
  openSecret(sealed: string, aad: string): string;
}

/** True for `{ $sealed: string }`. */
export function isSealedValue(value: unknown): value is SealedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { $sealed?: unknown }).$sealed === 'string' &&
    Object.keys(value).length === 1
  );
}

/**
 * Builds the codec the stores use. Without a cipher, content stays plain and secrets cannot be sealed.
 * @example const codec = createFieldCodec({ cipher, contentEncryption: true });
 */
export function createFieldCodec(options: { cipher?: Cipher; contentEncryption: boolean }): FieldCodec {
  const { cipher } = options;
  const contentEncryption = options.contentEncryption && cipher !== undefined;
  if (options.contentEncryption && !cipher)
    throw new Error('Content encryption needs a cipher (DATA_ENCRYPTION_KEY).');
  return {
    contentEncryption,
    sealContent(value, aad) {
      if (!contentEncryption || value === undefined) return value;
      return { $sealed: cipher!.encrypt(JSON.stringify(value), aad) };
    },
    openContent<T>(stored: unknown, aad: string): T {
      if (!isSealedValue(stored)) return stored as T;
      if (!cipher) throw new Error('A stored value is encrypted but no DATA_ENCRYPTION_KEY is configured.');
      return JSON.parse(cipher.decrypt(stored.$sealed, aad)) as T;
    },
    sealSecret(plaintext, aad) {
      if (!cipher) throw new Error('Sealing a secret needs a cipher.');
      return cipher.encrypt(plaintext, aad);
    },
    openSecret(sealed, aad) {
      if (!cipher) throw new Error('Opening a secret needs a cipher.');
      return cipher.decrypt(sealed, aad);
    },
  };
}
