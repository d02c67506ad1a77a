import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER_PATTERN = /^sha256=([0-9a-fA-F]{64})$/;

/** Why a signature was refused; `ok: true` names which secret matched (its index, for rotation). */
export type SignatureCheck =
  | { ok: true; secretIndex: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'no_secret' };

/**
 * Checks Meta's `X-Hub-Signature-256` header (`sha256=<hex>`) against the HMAC-SHA256 of the exact
 * raw request bytes, in constant time, trying every configured app secret (rotation, several apps).
 * @example verifySignature(rawBody, req.headers['x-hub-signature-256'], [appSecret]).ok
 */
export function verifySignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  appSecrets: readonly string[],
): SignatureCheck {
  const secrets = appSecrets.filter((secret) => secret.length > 0);
  if (secrets.length === 0) return { ok: false, reason: 'no_secret' };
  // Node joins repeated headers into an array; a request carrying two signatures is not Meta's.
  if (header === undefined || Array.isArray(header) || header.length === 0) {
    return { ok: false, reason: Array.isArray(header) ? 'malformed' : 'missing' };
  }
  const match = HEADER_PATTERN.exec(header.trim());
  if (!match?.[1]) return { ok: false, reason: 'malformed' };
  // Decoding both sides to bytes makes the comparison case-insensitive and fixed-length.
  const received = Buffer.from(match[1], 'hex');
  let matched = -1;
  secrets.forEach((secret, index) => {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Every secret is tried even after a match, so timing does not reveal which one matched.
    if (timingSafeEqual(expected, received) && matched < 0) matched = index;
  });
  return matched >= 0 ? { ok: true, secretIndex: matched } : { ok: false, reason: 'mismatch' };
}

/**
 * Computes the header value Meta would send for a body, for the simulator and tests.
 * @example signBody(Buffer.from('{}'), 'secret') // 'sha256=…'
 */
export function signBody(rawBody: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
