import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One send attempt as the proxy saw it (diagnostics: who sent which outbox row when). */
export interface SendAttempt {
  key: string;
  /** `biz_opaque_callback_data`: Parley puts the outbox row id there. */
  callbackData?: string;
  /** The proxy's `tag` (which server instance) when the attempt arrived. */
  tag?: string;
  startedAt: number;
  endedAt: number;
  /** HTTP status of the answer; 0 when the connection failed. */
  status: number;
  /** The message id Meta answered with, when accepted. */
  wamid?: string;
}

/** A Graph API proxy in front of the simulator that counts every send attempt per message. */
export interface GraphProxy {
  /** Pass as GRAPH_API_BASE_URL. */
  url: string;
  /** Send attempts per `to|text` key (mark-read and typing calls are not counted). */
  attempts(): Map<string, number>;
  /** Every send attempt in arrival order, with its answer. */
  sends(): SendAttempt[];
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

/**
 * Starts the proxy on 127.0.0.1 forwarding to `target` (the simulator's graphBaseUrl). `tag()`
 * labels each attempt (e.g. which server generation is running).
 */
export async function startGraphProxy(target: string, tag?: () => string): Promise<GraphProxy> {
  const attempts = new Map<string, number>();
  const sends: SendAttempt[] = [];
  let refusing = false;
  const server = createServer((req, res) => {
    void (async () => {
      if (refusing) {
        req.socket.destroy();
        return;
      }
      const body = await readBody(req);
      let attempt: SendAttempt | undefined;
      if (req.method === 'POST' && req.url?.endsWith('/messages')) {
        try {
          const parsed = JSON.parse(body.toString('utf8')) as { biz_opaque_callback_data?: string };
          const key = sendKey(parsed);
          if (key) {
            attempts.set(key, (attempts.get(key) ?? 0) + 1);
            attempt = {
              key,
              ...(parsed.biz_opaque_callback_data !== undefined && {
                callbackData: parsed.biz_opaque_callback_data,
              }),
              ...(tag && { tag: tag() }),
              startedAt: Date.now(),
              endedAt: 0,
              status: 0,
            };
            sends.push(attempt);
          }
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
        if (attempt) {
          attempt.status = response.status;
          attempt.endedAt = Date.now();
          try {
            const answer = JSON.parse(payload.toString('utf8')) as { messages?: Array<{ id?: string }> };
            const wamid = answer.messages?.[0]?.id;
            if (wamid !== undefined) attempt.wamid = wamid;
          } catch {
            // not JSON
          }
        }
        res.writeHead(response.status, {
          'content-type': response.headers.get('content-type') ?? 'application/json',
        });
        res.end(payload);
      } catch {
        if (attempt) attempt.endedAt = Date.now();
        // The simulator reset the connection (drop, stall then reset): so do we.
        req.socket.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts: () => new Map(attempts),
    sends: () => sends.map((attempt) => ({ ...attempt })),
    refuse(on) {
      refusing = on;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
