import { createHmac } from 'node:crypto';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths never written to logs: credentials, secrets and message content. Workers log message
 * metadata (type, wamid, node id) and a hashed user id, never the text itself.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'appSecret',
  '*.appSecret',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'text',
  '*.text',
  'body',
  '*.body',
  'message.text',
  'message.caption',
  '*.message.text',
  'message.interactive',
  'vars',
  '*.vars',
  'phone',
  '*.phone',
  'waId',
  '*.waId',
];

export interface CreateLoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go (tests pass a stream that collects them). @default stdout */
  destination?: DestinationStream;
  /** Bound to every line, e.g. `{ service: 'parley' }`. */
  base?: Record<string, unknown>;
}

/**
 * The server's structured JSON logger (pino) with secrets and message content redacted.
 * @example const log = createLogger({ level: config.logLevel }); log.info({ requestId }, 'request');
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? { service: 'parley' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/**
 * A short keyed hash of a WhatsApp user id for log fields: stable across lines (so one
 * conversation can be followed) but not reversible by trying every phone number without the key.
 * @example hashUserId('31612345678', key) // 'c0ffee12ab34cd56'
 */
export function hashUserId(userId: string, key: string | Buffer = 'parley'): string {
  return createHmac('sha256', key).update(userId).digest('hex').slice(0, 16);
}

/** The conversation key for logs: the phone number id in clear, the user id hashed. */
export function logConversationKey(conversationId: string, key?: string | Buffer): string {
  const at = conversationId.indexOf(':');
  if (at <= 0) return hashUserId(conversationId, key);
  return `${conversationId.slice(0, at)}:${hashUserId(conversationId.slice(at + 1), key)}`;
}
