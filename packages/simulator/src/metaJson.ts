import { createHmac } from 'node:crypto';

/**
 * Serializes a payload the way Meta writes webhook bodies: `/` as `\/` and every non-ASCII UTF-16
 * unit as a lowercase `\uXXXX` escape, so a receiver that re-serializes (the classic signature bug)
 * would fail exactly as it would against Meta.
 * @example toMetaJson({ url: 'https://a/b', name: 'Tomás' }) // '{"url":"https:\\/\\/a\\/b","name":"Tom\\u00e1s"}'
 */
export function toMetaJson(value: unknown): string {
  // JSON's structural characters are all ASCII, so these replacements only ever touch strings.
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The `X-Hub-Signature-256` header value for a body: `sha256=<hex HMAC of the exact bytes>`. */
export function signWebhookBody(body: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}
