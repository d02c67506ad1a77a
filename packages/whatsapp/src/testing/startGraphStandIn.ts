import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stand-in received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON when it is JSON. */
  json: Record<string, unknown> | undefined;
}

/** What to answer: a status and JSON body, a hang (no answer), or a dropped connection. */
export type StandInReply =
  { status: number; json?: unknown; text?: string; headers?: Record<string, string> } | 'hang' | 'destroy';

/** A tiny Graph API stand-in on 127.0.0.1 for tests (the full simulator lives in @parley/simulator). */
export interface GraphStandIn {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Decides each answer; the default accepts every send with a fresh wamid. */
  reply: (request: RecordedRequest, index: number) => StandInReply | Promise<StandInReply>;
  close(): Promise<void>;
}

/** Meta's success answer to a send. */
export function acceptedSend(wamid: string, waId = '15557654321'): StandInReply {
  return {
    status: 200,
    json: {
      messaging_product: 'whatsapp',
      contacts: [{ input: `+${waId}`, wa_id: waId }],
      messages: [{ id: wamid }],
    },
  };
}

/** Graph's error envelope with a code. */
export function graphErrorReply(status: number, code: number, message = `(#${code}) error`): StandInReply {
  return {
    status,
    json: {
      error: {
        message,
        type: 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: 'details for people' },
        fbtrace_id: `trace-${code}`,
      },
    },
  };
}

/**
 * Starts the stand-in on a random port.
 * @example const graph = await startGraphStandIn(); graph.reply = () => graphErrorReply(400, 131047);
 */
export async function startGraphStandIn(): Promise<GraphStandIn> {
  let counter = 0;
  const standIn: GraphStandIn = {
    baseUrl: '',
    requests: [],
    reply: () => acceptedSend(`wamid.standin.${++counter}`),
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      const request: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
      };
      const index = standIn.requests.push(request) - 1;
      Promise.resolve(standIn.reply(request, index)).then(
        (reply) => {
          if (reply === 'hang') return;
          if (reply === 'destroy') {
            req.socket.destroy();
            return;
          }
          res.statusCode = reply.status;
          for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
          if (reply.json !== undefined) {
            res.setHeader('Content-Type', 'application/json');
            res.end(JSON.stringify(reply.json));
          } else {
            res.end(reply.text ?? '');
          }
        },
        () => req.socket.destroy(),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  standIn.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return standIn;
}
