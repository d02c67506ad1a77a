import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** When extra copies of one webhook go out, in ms after the original. */
export type CopyPlan = (random: () => number) => number[];

/** 0-4 extra copies: half within 5 ms of the original, half 0.3-3 s later. */
export const meanCopies: CopyPlan = (random) => {
  const extra = Math.floor(random() * 5);
  return Array.from({ length: extra }, () =>
    random() < 0.5 ? Math.floor(random() * 6) : 300 + Math.floor(random() * 2700),
  );
};

/** A webhook proxy that forwards each POST (same bytes, same signature) and sends extra copies. */
export interface WebhookTee {
  url: string;
  stats(): { originals: number; copies: number; copyStatuses: Record<string, number> };
  /** Resolves when every scheduled copy has been delivered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/**
 * Starts the tee on 127.0.0.1. The original goes to `targets()[0]`; each copy to a random target
 * (several instances on one PostgreSQL get copies of one webhook).
 */
export async function startWebhookTee(options: {
  targets: () => string[];
  plan: CopyPlan;
  random?: () => number;
  /** Which target gets the original (a load balancer). @default the first */
  route?: (targets: string[]) => string;
}): Promise<WebhookTee> {
  const random = options.random ?? Math.random;
  const pending = new Set<Promise<void>>();
  const counters = { originals: 0, copies: 0, copyStatuses: {} as Record<string, number> };
  const deliver = async (target: string, body: Buffer, headers: Record<string, string>) => {
    try {
      const response = await fetch(target, { method: 'POST', body: new Uint8Array(body), headers });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-hub-signature-256': String(req.headers['x-hub-signature-256'] ?? ''),
        'user-agent': 'facebookexternalua',
      };
      const targets = options.targets();
      counters.originals++;
      for (const delayMs of options.plan(random)) {
        const target = targets[Math.floor(random() * targets.length)]!;
        const copy = new Promise<void>((resolve) => setTimeout(resolve, delayMs))
          .then(() => deliver(target, body, headers))
          .then((status) => {
            counters.copies++;
            counters.copyStatuses[status] = (counters.copyStatuses[status] ?? 0) + 1;
          });
        pending.add(copy);
        void copy.finally(() => pending.delete(copy));
      }
      const status = targets.length
        ? await deliver(options.route?.(targets) ?? targets[0]!, body, headers)
        : 0;
      res.writeHead(status || 502).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    stats: () => ({ ...counters, copyStatuses: { ...counters.copyStatuses } }),
    async settled() {
      while (pending.size) await Promise.all([...pending]);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
