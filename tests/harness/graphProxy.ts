import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Graph API proxy in front of the simulator that counts every send attempt per message. */
export interface GraphProxy {
  /** Pass as GRAPH_API_BASE_URL. */
  url: string;
  /** Send attempts per `to|text` key (mark-read and typing calls are not counted). */
  attempts(): Map<string, number>;
  /** While true, new connections are refused at once (socket destroyed before any answer). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** The key a send is counted under: recipient and text (or interactive body). */
export function sendKey(body: unknown): string | undefined {
  const b = body as {
    to?: string;
    status?: string;
    text?: { body?: string };
    interactive?: { body?: { text?: string } };
  };
  if (!b || b.status === 'read' || !b.to) return undefined;
  return `${b.to.replace(/^\+/, '')}|${b.text?.body ?? b.interactive?.body?.text ?? ''}`;
}

/** Starts the proxy on 127.0.0.1 forwarding to `target` (the simulator's graphBaseUrl). */
export async function startGraphProxy(target: string): Promise<GraphProxy> {
  const attempts = new Map<string, number>();
  let refusing = false;
  const server = createServer((req, res) => {
    void (async () => {
      if (refusing) {
        req.socket.destroy();
        return;
      }
      const body = await readBody(req);
      if (req.method === 'POST' && req.url?.endsWith('/messages')) {
        try {
          const key = sendKey(JSON.parse(body.toString('utf8')));
          if (key) attempts.set(key, (attempts.get(key) ?? 0) + 1);
        } catch {
          // not JSON: the simulator answers it
        }
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
      try {
        const response = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(body),
        });
        const payload = Buffer.from(await response.arrayBuffer());
        res.writeHead(response.status, {
          'content-type': response.headers.get('content-type') ?? 'application/json',
        });
        res.end(payload);
      } catch {
        // The simulator reset the connection (drop, stall then reset): so do we.
        req.socket.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts: () => new Map(attempts),
    refuse(on) {
      refusing = on;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
