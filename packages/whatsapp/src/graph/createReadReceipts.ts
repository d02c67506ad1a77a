import { silentLogger, type Logger } from '../ports.js';
import type { GraphClient } from './createGraphClient.js';

export interface ReadReceiptsOptions {
  /** The client for a phone number; null when none is configured (then nothing is sent). */
  graph: (phoneNumberId: string) => Pick<GraphClient, 'markRead'> | null | undefined;
  log?: Logger;
  /** WhatsApp hides the indicator after 25 s; re-send it before that. @default 20_000 */
  typingRefreshMs?: number;
  /** Never show "typing…" longer than this, whatever happens to the turn. @default 120_000 */
  maxTypingMs?: number;
}

/** Best-effort read receipts and typing indicators: failures are logged, never thrown. */
export interface ReadReceipts {
  markRead(phoneNumberId: string, wamid: string): Promise<boolean>;
  /** Marks read and shows "typing…" until the returned function is called (or the cap passes). */
  startTyping(phoneNumberId: string, wamid: string): () => void;
}

/**
 * Creates the read-receipt helper the inbox worker calls for each inbound message, and around
 * slow nodes (HTTP calls, AI) to show the typing indicator.
 * @example const stop = receipts.startTyping(key.phoneNumberId, message.id); try { await slowNode() } finally { stop() }
 */
export function createReadReceipts(options: ReadReceiptsOptions): ReadReceipts {
  const log = options.log ?? silentLogger;
  const refreshMs = options.typingRefreshMs ?? 20_000;
  const maxMs = options.maxTypingMs ?? 120_000;

  async function send(phoneNumberId: string, wamid: string, typing: boolean): Promise<boolean> {
    const client = options.graph(phoneNumberId);
    if (!client) return false;
    try {
      const result = await client.markRead(phoneNumberId, wamid, { typing });
      if (!result.ok) log.debug({ code: result.error.code, typing }, 'mark-as-read refused (best effort)');
      return result.ok;
    } catch (error) {
      log.debug({ err: error }, 'mark-as-read failed (best effort)');
      return false;
    }
  }

  return {
    markRead: (phoneNumberId, wamid) => send(phoneNumberId, wamid, false),
    startTyping(phoneNumberId, wamid) {
      let stopped = false;
      const startedAt = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const beat = () => {
        if (stopped || Date.now() - startedAt >= maxMs) return;
        void send(phoneNumberId, wamid, true);
        timer = setTimeout(beat, refreshMs);
        timer.unref();
      };
      beat();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      };
    },
  };
}
