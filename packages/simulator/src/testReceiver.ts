import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook the test receiver got: raw bytes, parsed JSON, and whether the signature held. */
export interface ReceivedWebhook {
  raw: Buffer;
  body: Record<string, unknown>;
  signature: string;
  signatureValid: boolean;
}

/**
 * A tiny stand-in for the Parley server's `/webhook`, for the simulator's own tests: it checks
 * `X-Hub-Signature-256` over the raw bytes with node:crypto and answers `status()`.
 */
export async function startTestReceiver(appSecret: string) {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<{ predicate: (w: ReceivedWebhook[]) => boolean; resolve: () => void }> = [];
  const state = { status: (_w: ReceivedWebhook, _n: number): number => 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const signature = String(req.headers['x-hub-signature-256'] ?? '');
      const expected = createHmac('sha256', appSecret).update(raw).digest();
      const given = Buffer.from(signature.replace(/^sha256=/, ''), 'hex');
      const webhook: ReceivedWebhook = {
        raw,
        body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
        signature,
        signatureValid: given.length === expected.length && timingSafeEqual(given, expected),
      };
      received.push(webhook);
      res.writeHead(state.status(webhook, received.length)).end();
      for (const w of [...waiters]) {
        if (w.predicate(received)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const statuses = () =>
    received.flatMap((w) => {
      const value = (
        w.body.entry as Array<{ changes: Array<{ value: { statuses?: Array<Record<string, unknown>> } }> }>
      )[0]?.changes[0]?.value;
      return value?.statuses ?? [];
    });
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    state,
    statuses,
    /** Resolves when the received list satisfies `predicate` (or rejects after `timeoutMs`). */
    waitFor(predicate: (w: ReceivedWebhook[]) => boolean, timeoutMs = 3000): Promise<void> {
      if (predicate(received)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`receiver: condition not met after ${timeoutMs} ms (${received.length} webhooks)`),
            ),
          timeoutMs,
        );
        waiters.push({ predicate, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The first message object of a webhook payload. */
export function firstMessage(webhook: ReceivedWebhook | undefined): Record<string, unknown> {
  const value = (webhook?.body.entry as Array<{ changes: Array<{ value: Record<string, unknown> }> }>)[0]
    ?.changes[0]?.value;
  return ((value?.messages as Array<Record<string, unknown>>) ?? [])[0] ?? {};
}

/** The `value` of a webhook payload. */
export function valueOf(webhook: ReceivedWebhook | undefined): Record<string, unknown> {
  return (
    (webhook?.body.entry as Array<{ changes: Array<{ value: Record<string, unknown> }> }>)[0]?.changes[0]
      ?.value ?? {}
  );
}
