// Shared pieces of createSafeHttp's tests: a loopback HTTP server recording what reaches it (one
// for the calling test file, reset before each test) and a capability that may only connect to it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createSafeHttp, type SafeHttpOptions } from './createSafeHttp.js';

/** Answers a request that reached the test server; `body` is the whole request body. */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A loopback HTTP server on a free port, recording the connections and requests that reached it. */
export interface TestServer {
  port: number;
  connections: number;
  requests: Array<{
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
    local: string;
  }>;
  handler: Handler;
  close(): Promise<void>;
}

/** Starts a {@link TestServer} on 127.0.0.1; its handler answers `ok` until a test replaces it. */
export async function startServer(): Promise<TestServer> {
  const state: TestServer = {
    port: 0,
    connections: 0,
    requests: [],
    handler: (_req, res) => res.end('ok'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        local: req.socket.localAddress ?? '',
      });
      state.handler(req, res, body);
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  const close = state.close;
  state.close = async () => {
    server.closeAllConnections();
    await close();
  };
  return state;
}

/** The current test file's loopback server (see {@link useLoopbackServer}). */
export let server: TestServer;
/** The addresses `safeHttp` connected to in the current test. */
export let connects: string[];

/** Every capability in these tests refuses, loudly, to open a socket to anything but loopback. */
export function safeHttp(options: SafeHttpOptions = {}) {
  return createSafeHttp({
    ...options,
    onConnect: ({ address }) => {
      connects.push(address);
      if (!/^127\.|^::1$|^::ffff:127\./.test(address)) throw new Error(`test tried to reach ${address}`);
    },
  });
}

/**
 * Starts the loopback server for the calling test file, and resets what it recorded, its handler
 * and `connects` before each test.
 * @example useLoopbackServer(); // then `server` and `connects` in each test
 */
export function useLoopbackServer(): void {
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.connections = 0;
    server.requests = [];
    server.handler = (_req, res) => res.end('ok');
    connects = [];
  });
}
