import { createHash, timingSafeEqual } from 'node:crypto';

/** What to answer Meta's subscription handshake with. */
export type SubscriptionAnswer =
  | { status: 200; body: string; contentType: 'text/plain' }
  | { status: 403; body: string; contentType: 'text/plain' };

type QueryValue = string | string[] | undefined | null;

/** Reads one query value, refusing repeated keys (Meta sends each once). */
function single(value: QueryValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Answers `GET /webhook?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: the challenge as
 * plain text when the mode is `subscribe` and the token matches (constant time), 403 otherwise.
 * @example handleSubscription(new URL(req.url, 'http://x').searchParams, 'my-token')
 */
export function handleSubscription(
  query: URLSearchParams | Record<string, QueryValue>,
  verifyToken: string,
): SubscriptionAnswer {
  const read = (key: string): string | undefined =>
    query instanceof URLSearchParams
      ? query.getAll(key).length === 1
        ? (query.get(key) ?? undefined)
        : undefined
      : single(query[key]);
  const mode = read('hub.mode');
  const token = read('hub.verify_token');
  const challenge = read('hub.challenge');
  const forbidden = { status: 403, body: 'Forbidden', contentType: 'text/plain' } as const;
  if (verifyToken.length === 0 || mode !== 'subscribe' || token === undefined || challenge === undefined) {
    return forbidden;
  }
  // Hashing first gives equal-length inputs, so the compare is constant time whatever the length.
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  if (!timingSafeEqual(digest(token), digest(verifyToken))) return forbidden;
  return { status: 200, body: challenge, contentType: 'text/plain' };
}
