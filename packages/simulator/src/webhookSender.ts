import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signWebhookBody, toMetaJson } from './metaJson.js';

/** Meta-style redelivery of webhooks the server did not acknowledge with a 200. */
export interface RedeliveryOptions {
  enabled: boolean;
  /** Delay before each retry; the last value repeats. @default [250, 1000, 5000, 30000] */
  backoffMs?: number | number[];
  /** Attempts in total, the first included. @default 10 */
  maxAttempts?: number;
}

/** Counters for `stats()`. */
export interface WebhookSenderStats {
  posted: number;
  acknowledged: number;
  failed: number;
  redeliveries: number;
  pendingRedeliveries: number;
  gaveUp: number;
}

/** Posts signed webhook payloads to the server, and redelivers like Meta when asked to. */
export interface WebhookSender {
  /** Posts once (redelivery continues in the background); resolves with the HTTP status, 0 when the connection failed. */
  post(payload: unknown): Promise<number>;
  stats(): WebhookSenderStats;
  close(): void;
}

/** Where a log line goes; pino-compatible. */
export interface SimulatorLogger {
  debug?(fields: Record<string, unknown>, message: string): void;
  warn?(fields: Record<string, unknown>, message: string): void;
}

/**
 * Creates the sender. Bodies are serialized like Meta's (escaped `/` and non-ASCII) and signed
 * over exactly those bytes.
 * @example createWebhookSender({ url: 'http://127.0.0.1:3000/webhook', appSecret: 's' }).post(payload)
 */
export function createWebhookSender(options: {
  url: string;
  appSecret: string;
  redeliver?: RedeliveryOptions;
  timeoutMs?: number;
  log?: SimulatorLogger;
}): WebhookSender {
  const url = new URL(options.url);
  const isHttps = url.protocol === 'https:';
  const agent = isHttps
    ? new HttpsAgent({ keepAlive: true, maxSockets: 256 })
    : new Agent({ keepAlive: true, maxSockets: 256 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const backoff = options.redeliver?.backoffMs ?? [250, 1000, 5000, 30_000];
  const maxAttempts = options.redeliver?.maxAttempts ?? 10;
  const timers = new Set<NodeJS.Timeout>();
  const counters = { posted: 0, acknowledged: 0, failed: 0, redeliveries: 0, gaveUp: 0 };
  let closed = false;

  const delayFor = (attempt: number): number => {
    if (typeof backoff === 'number') return backoff * 2 ** (attempt - 1);
    return backoff[Math.min(attempt - 1, backoff.length - 1)] ?? 1000;
  };

  const send = (body: string, signature: string, staleRetry = true): Promise<number> =>
    new Promise((resolve) => {
      const make = isHttps ? httpsRequest : httpRequest;
      const req = make(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-hub-signature-256': signature,
            'user-agent': 'facebookexternalua',
          },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A pooled keep-alive socket the server had just closed: not a delivery failure, resend once.
        if (staleRetry && req.reusedSocket && error.code === 'ECONNRESET') {
          resolve(send(body, signature, false));
        } else {
          options.log?.debug?.({ error: error.code ?? error.message }, 'webhook connection failed');
          resolve(0);
        }
      });
      req.end(body);
    });

  const attempt = async (body: string, signature: string, n: number): Promise<number> => {
    counters.posted++;
    if (n > 1) counters.redeliveries++;
    const status = await send(body, signature);
    if (status === 200) {
      counters.acknowledged++;
      return status;
    }
    counters.failed++;
    options.log?.warn?.({ status, attempt: n }, 'webhook not acknowledged');
    if (!options.redeliver?.enabled || closed) return status;
    if (n >= maxAttempts) {
      counters.gaveUp++;
      return status;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) void attempt(body, signature, n + 1);
    }, delayFor(n));
    timers.add(timer);
    return status;
  };

  return {
    post(payload) {
      const body = toMetaJson(payload);
      return attempt(body, signWebhookBody(body, options.appSecret), 1);
    },
    stats: () => ({ ...counters, pendingRedeliveries: timers.size }),
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      agent.destroy();
    },
  };
}
