import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StoreLogger } from '../types.js';

/** The channel every instance's inbox appends are announced on (payload: `schema|process id`). */
export const INBOX_CHANNEL = 'parley_inbox';

export interface InboxNotifications {
  /** The payload this process's appends carry (so it can ignore its own). */
  readonly payload: string;
  /** True once someone listens here: appends only announce themselves then. */
  readonly active: boolean;
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * Cross-instance wake-ups over LISTEN/NOTIFY: an append NOTIFYs in its own statement (delivered at
 * its commit), and one dedicated connection here LISTENs, so the instance holding a conversation's
 * lease claims a row another instance received without waiting for its next poll. Best effort: a
 * notification sent while the connection is down is lost (it reconnects after `retryMs`), which
 * the workers' poll covers.
 * @example const notes = createInboxNotifications({ connectionString, schema: 'public', log }); notes.subscribe(() => worker.wake());
 */
export function createInboxNotifications(options: {
  connectionString: string;
  /** The instance's `application_name` (see instanceCount.ts). */
  applicationName?: string;
  schema: string;
  log: StoreLogger;
  retryMs?: number;
}): InboxNotifications {
  const payload = `${options.schema}|${randomUUID()}`;
  const prefix = `${options.schema}|`;
  const retryMs = options.retryMs ?? 1_000;
  const listeners = new Set<() => void>();
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const connect = () => {
    if (closed || client) return;
    const next = new pg.Client({
      connectionString: options.connectionString,
      application_name: options.applicationName,
    });
    client = next;
    const lost = (error?: Error) => {
      if (client !== next) return;
      client = null;
      next.removeAllListeners('notification');
      void next.end().catch(() => undefined);
      if (closed) return;
      if (error) options.log.warn({ err: error.message }, 'store: inbox notifications lost; reconnecting');
      retry = setTimeout(connect, retryMs);
      retry.unref();
    };
    next.on('error', lost);
    next.on('end', () => lost());
    next.on('notification', (message) => {
      // Other schemas share the channel (one database); this process's own appends woke it already.
      const from = message.payload ?? '';
      if (from === payload || !from.startsWith(prefix)) return;
      for (const listener of listeners) listener();
    });
    next
      .connect()
      .then(() => next.query(`LISTEN ${INBOX_CHANNEL}`))
      // Rows appended while this connection was down announced themselves to no one.
      .then(() => listeners.forEach((listener) => listener()))
      .catch((error: Error) => lost(error));
  };

  return {
    payload,
    get active() {
      return listeners.size > 0;
    },
    subscribe(listener) {
      listeners.add(listener);
      connect();
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
      clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
