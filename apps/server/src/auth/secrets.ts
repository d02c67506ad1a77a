import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** sha256 as hex: how session ids and API tokens are stored (a stolen store yields no live secret). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A random URL-safe secret of `bytes` random bytes. */
export function randomSecret(bytes = 32, random: (size: number) => Buffer = randomBytes): string {
  return random(bytes).toString('base64url');
}

/** Compares two strings in time independent of where they differ (hashes first, so lengths leak nothing). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
