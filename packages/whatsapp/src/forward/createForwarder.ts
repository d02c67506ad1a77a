import { createHmac, randomUUID } from 'node:crypto';
import { computeBackoff } from '../dispatch/computeBackoff.js';
import { silentLogger, type FetchLike, type Logger, type Random } from '../ports.js';

export interface ForwarderOptions {
  /** Where every verified webhook body is re-posted (`FORWARD_WEBHOOK_URL`). */
  url: string;
  /** Signs the forwarded body as `X-Parley-Signature-256: sha256=<hex>` (`FORWARD_WEBHOOK_SECRET`). */
  secret: string;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
  retry?: {
    /** @default 500 */
    baseMs?: number;
    /** @default 30_000 */
    maxMs?: number;
    /** @default 6 */
    maxAttempts?: number;
  };
  /** Bodies waiting beyond this are dropped (and logged), never buffered without bound. @default 1000 */
  maxQueue?: number;
  /** Deliveries in flight at once. @default 2 */
  concurrency?: number;
  /** @default 10_000 */
  timeoutMs?: number;
  log?: Logger;
  random?: Random;
}

export interface ForwarderStats {
  queued: number;
  inFlight: number;
  delivered: number;
  dropped: number;
  failed: number;
}

/** Re-posts verified webhooks elsewhere, in the background. */
export interface Forwarder {
  /** Queues a body and returns at once; false when the queue is full and the body was dropped. */
  forward(rawBody: Buffer): boolean;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
  /** Stops taking new bodies and waits for the ones in flight (pending retries are abandoned). */
  stop(): Promise<void>;
  stats(): ForwarderStats;
}

/** The signature a forward target checks: HMAC-SHA256 of the exact body with the shared secret. */
export function signForwardedBody(rawBody: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** A forwarding failure worth retrying: no answer, 408, 429 or 5xx. */
function isRetryable(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || status >= 500;
}

/**
 * Creates a forwarder for `createWebhookHandler({ forwarder })`: a bounded queue, a few workers,
 * retries with backoff, its own signature. It never delays Parley's own answer to Meta.
 * @example const forwarder = createForwarder({ url: env.FORWARD_WEBHOOK_URL, secret: env.FORWARD_WEBHOOK_SECRET });
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const target = new URL(options.url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new RangeError('The forward URL must be http(s)');
  }
  if (options.secret.length === 0) throw new RangeError('The forward secret must not be empty');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const log = options.log ?? silentLogger;
  const random = options.random ?? Math.random;
  const maxQueue = options.maxQueue ?? 1000;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const maxAttempts = options.retry?.maxAttempts ?? 6;
  const backoff = { baseMs: options.retry?.baseMs ?? 500, maxMs: options.retry?.maxMs ?? 30_000 };
  const timeoutMs = options.timeoutMs ?? 10_000;

  const queue: { body: Buffer; deliveryId: string }[] = [];
  const stats: ForwarderStats = { queued: 0, inFlight: 0, delivered: 0, dropped: 0, failed: 0 };
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const settleIdle = () => {
    if (queue.length === 0 && stats.inFlight === 0 && timers.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  async function attempt(body: Buffer, deliveryId: string, attemptNumber: number): Promise<void> {
    let status: number | null = null;
    try {
      const response = await doFetch(target, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Parley-Signature-256': signForwardedBody(body, options.secret),
          'X-Parley-Delivery': deliveryId,
          'X-Parley-Attempt': String(attemptNumber),
        },
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      await response.body?.cancel();
      if (response.ok) {
        stats.delivered += 1;
        return;
      }
    } catch (error) {
      log.debug({ err: error, deliveryId }, 'webhook forward attempt failed');
    }
    if (stopped || !isRetryable(status) || attemptNumber >= maxAttempts) {
      stats.failed += 1;
      log.warn({ deliveryId, status, attempts: attemptNumber }, 'webhook forward gave up');
      return;
    }
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (stopped) {
          settleIdle();
          return;
        }
        stats.inFlight += 1;
        void attempt(body, deliveryId, attemptNumber + 1).finally(() => {
          stats.inFlight -= 1;
          pump();
        });
      },
      computeBackoff(attemptNumber, backoff, random),
    );
    timer.unref();
    timers.add(timer);
  }

  function pump(): void {
    while (!stopped && stats.inFlight < concurrency && queue.length > 0) {
      const next = queue.shift();
      if (!next) break;
      stats.queued = queue.length;
      stats.inFlight += 1;
      void attempt(next.body, next.deliveryId, 1).finally(() => {
        stats.inFlight -= 1;
        pump();
      });
    }
    settleIdle();
  }

  return {
    forward(rawBody) {
      if (stopped) return false;
      if (queue.length >= maxQueue) {
        stats.dropped += 1;
        log.warn({ queued: queue.length }, 'webhook forward queue full; body dropped');
        return false;
      }
      queue.push({ body: rawBody, deliveryId: randomUUID() });
      stats.queued = queue.length;
      // Deliveries start on a later turn of the event loop: the webhook answers first.
      setImmediate(pump);
      return true;
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    async stop() {
      stopped = true;
      queue.length = 0;
      stats.queued = 0;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    stats: () => ({ ...stats }),
  };
}
