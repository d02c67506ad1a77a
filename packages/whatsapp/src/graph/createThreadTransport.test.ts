import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThreadTransport } from './createThreadTransport.js';
import type { TransportRequest } from './graphTransport.js';

let server: Server;
let base: string;
/** What the loopback server does with a request, by path. */
const routes: Record<string, (req: IncomingMessage, body: Buffer, res: ServerResponse) => void> = {
  // Answers after a random few ms, so answers come back in another order than the requests.
  '/echo': (req, body, res) =>
    setTimeout(
      () => res.writeHead(200, { 'x-request': String(req.headers['x-request']) }).end(body),
      Math.random() * 20,
    ),
  '/headers': (_req, _body, res) => {
    res.setHeader('x-many', ['a', 'b']);
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
  },
  '/hang': () => undefined,
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => routes[req.url ?? '']!(req, Buffer.concat(chunks), res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (path: string, extra: Partial<TransportRequest> = {}): TransportRequest => ({
  url: `${base}${path}`,
  method: 'POST',
  headers: {},
  timeoutMs: 5_000,
  maxBytes: 1_000_000,
  ...extra,
});

describe('createThreadTransport', () => {
  it('answers each of many concurrent requests with its own response', async () => {
    const thread = createThreadTransport();
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          thread.send(request('/echo', { headers: { 'x-request': String(i) }, body: `body ${i} ✓` })),
        ),
      );
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        expect(answer.header('x-request')).toBe(String(i));
        expect(answer.body?.toString('utf8')).toBe(`body ${i} ✓`);
      });
    } finally {
      await thread.close();
    }
  });

  it('carries binary bodies both ways and reads headers like the default transport', async () => {
    const thread = createThreadTransport();
    try {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const echoed = await thread.send(request('/echo', { body: bytes }));
      expect(Buffer.isBuffer(echoed.body)).toBe(true);
      expect(echoed.body?.equals(bytes)).toBe(true);
      const answer = await thread.send(request('/headers', { method: 'GET' }));
      expect(answer.status).toBe(201);
      expect(answer.header('Content-Type')).toBe('application/json');
      expect(answer.header('x-many')).toBe('a, b');
      expect(answer.header('x-none')).toBeUndefined();
    } finally {
      await thread.close();
    }
  });

  it('fails like the default transport: timeouts by name, refusals and cut answers by code, long bodies as null', async () => {
    const thread = createThreadTransport();
    try {
      await expect(thread.send(request('/hang', { timeoutMs: 100 }))).rejects.toMatchObject({
        name: 'TimeoutError',
      });
      await expect(
        thread.send(request('/echo', { body: 'x'.repeat(100), maxBytes: 10 })),
      ).resolves.toMatchObject({
        status: 200,
        body: null,
      });
      const closed = createServer();
      closed.listen(0, '127.0.0.1');
      await once(closed, 'listening');
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      await expect(thread.send(request('/', { url: `http://127.0.0.1:${port}/` }))).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      await expect(thread.send(request('/', { url: 'ftp://127.0.0.1/' }))).rejects.toMatchObject({
        code: 'ERR_INVALID_URL',
      });
    } finally {
      await thread.close();
    }
  });

  it('when closed: a request in flight fails as a dropped connection, one not yet posted as not sent; the next one starts a new thread', async () => {
    const thread = createThreadTransport();
    const inFlight = thread.send(request('/hang'));
    inFlight.catch(() => undefined);
    // Let the first one reach the thread (posted on the next turn, then sent).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const notPosted = thread.send(request('/echo', { body: 'late' }));
    notPosted.catch(() => undefined);
    await thread.close();
    await expect(inFlight).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(notPosted).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const again = await thread.send(request('/echo', { body: 'again' }));
    expect(again.body?.toString()).toBe('again');
    await thread.close();
  });
});
