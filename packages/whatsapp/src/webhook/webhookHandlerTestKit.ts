// Shared pieces of createWebhookHandler's tests: an in-memory inbox, the sample payloads, and the
// handler served over real loopback HTTP.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { InboxRecord } from '@parley/flow';
import { afterEach } from 'vitest';
import { createWebhookHandler, type WebhookHandlerOptions } from './createWebhookHandler.js';
import { signBody } from './verifySignature.js';

export const SECRET = 'test-app-secret';
export const sample = (name: string) => readFileSync(new URL(`./samples/${name}`, import.meta.url));

/** The storage seam: an in-memory inbox with the Store's dedupe-by-id semantics. */
export function memoryInbox() {
  const rows: InboxRecord[] = [];
  return {
    rows,
    failNext: false,
    async appendInbox(records: InboxRecord[]) {
      if (this.failNext) {
        this.failNext = false;
        throw new Error('disk full');
      }
      const fresh = records.filter((r) => !rows.some((row) => row.id === r.id));
      rows.push(...fresh);
      return fresh.map((r) => r.id);
    },
  };
}

/** Closes `server`, if there is one, with its open connections. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Returns `start`, which serves a webhook handler over an in-memory inbox on a loopback port; the
 * server it started is closed after each test of the calling file.
 * @example const start = useWebhookServer(); const { post, inbox } = await start({ maxBodyBytes: 1024 });
 */
export function useWebhookServer() {
  let server: Server | undefined;
  afterEach(async () => {
    await closeServer(server);
    server = undefined;
  });

  async function start(extra: Partial<WebhookHandlerOptions> = {}) {
    const inbox = memoryInbox();
    const accepted: string[][] = [];
    const forwarded: Buffer[] = [];
    const handler = createWebhookHandler({
      appSecrets: [SECRET],
      verifyToken: 'verify-me',
      inbox,
      onAccepted: (ids) => accepted.push(ids),
      forwarder: { forward: (raw) => forwarded.push(raw) },
      clock: () => 42,
      ...extra,
    });
    server = createServer(handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
    const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signBody(body, SECRET),
          ...headers,
        },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
    return { inbox, accepted, forwarded, url, post };
  }

  return start;
}
