import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server on 127.0.0.1 that counts every connection and request it gets. */
export interface LoopbackServer {
  port: number;
  connections: number;
  requests: number;
  /** Bytes the handler managed to write before the client went away. */
  bytesWritten: number;
  handler: (req: IncomingMessage, res: ServerResponse, server: LoopbackServer) => void;
  close(): Promise<void>;
}

/** Starts a counting server on 127.0.0.1, random port. */
export async function startLoopbackServer(
  handler: LoopbackServer['handler'] = (_req, res) => res.end('{"ok":true}'),
): Promise<LoopbackServer> {
  const state: LoopbackServer = {
    port: 0,
    connections: 0,
    requests: 0,
    bytesWritten: 0,
    handler,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    state.handler(req, res, state);
  });
  server.on('connection', () => {
    state.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}
