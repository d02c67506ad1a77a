import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookHandler } from './createWebhookHandler.js';
import { signBody } from './verifySignature.js';
import { closeServer, memoryInbox, sample, SECRET, useWebhookServer } from './webhookHandlerTestKit.js';

const start = useWebhookServer();

/** A server a test starts itself, around the handler (see the express.raw() test). */
let server: Server | undefined;
afterEach(async () => {
  await closeServer(server);
  server = undefined;
});

/** A raw node:http request, for bodies fetch cannot send (chunked slow streams, lying lengths). */
function rawRequest(
  url: string,
  headers: Record<string, string | number>,
  write: (req: ReturnType<typeof request>) => void,
) {
  return new Promise<{ status: number | undefined; error?: string }>((resolve) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: undefined, error: error.code ?? error.message }),
    );
    write(req);
  });
}

describe('createWebhookHandler over real HTTP', () => {
  it('413 when Content-Length is over the cap, even for a body that never comes (after a short wait)', async () => {
    const { url, inbox } = await start({ maxBodyBytes: 1024 });
    const result = await rawRequest(
      url,
      { 'content-type': 'application/json', 'content-length': 10_000_000 },
      (req) => req.write('{'),
    );
    expect(result.status).toBe(413);
    expect(inbox.rows).toEqual([]);
  });

  it('413 reaches a client that sends its whole declared body: the body is drained, not reset', async () => {
    const { url, inbox } = await start({ maxBodyBytes: 1024 * 1024 });
    // Bigger than the loopback socket buffers: a server that hung up after answering would leave
    // the client writing into a reset connection (and, on a busy machine, losing the 413 to it).
    const big = Buffer.alloc(12 * 1024 * 1024, 0x20);
    const headers = { 'content-type': 'application/json', 'x-hub-signature-256': signBody(big, SECRET) };
    const agent = new Agent({ keepAlive: false });
    const results = [];
    for (let i = 0; i < 3; i += 1)
      results.push(
        await new Promise<{ status?: number; error?: string }>((resolve) => {
          const outcome: { status?: number; error?: string } = {};
          const req = request(url, { method: 'POST', headers, agent }, (res) => {
            outcome.status = res.statusCode;
            res.resume();
          });
          req.on('error', (error: NodeJS.ErrnoException) => (outcome.error = error.code ?? error.message));
          req.on('close', () => resolve(outcome));
          req.end(big);
        }),
      );
    agent.destroy();
    expect(results).toEqual(Array(3).fill({ status: 413 }));
    // A wrong content type is refused the same way.
    const typed = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: big });
    expect(typed.status).toBe(415);
    expect(inbox.rows).toEqual([]);
  });

  it('413 as soon as a chunked body passes the cap, without reading the rest', async () => {
    const { url, inbox } = await start({ maxBodyBytes: 64 * 1024 });
    let written = 0;
    const result = await rawRequest(url, { 'content-type': 'application/json' }, (req) => {
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        // Keep writing until the server answers or drops us: proves it stops reading early.
        while (written < 50 * 1024 * 1024 && !req.destroyed) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(result.status === 413 || result.error === 'ECONNRESET' || result.error === 'EPIPE').toBe(true);
    expect(written).toBeLessThan(50 * 1024 * 1024);
    expect(inbox.rows).toEqual([]);
  });

  it('408 when the client stalls mid-body', async () => {
    const { url, inbox } = await start({ bodyTimeoutMs: 150 });
    const result = await rawRequest(
      url,
      { 'content-type': 'application/json', 'content-length': 500 },
      (req) => req.write('{"object":'),
    );
    expect(result.status).toBe(408);
    expect(inbox.rows).toEqual([]);
  });

  it('405 for other methods; the server survives garbage', async () => {
    const { url, post } = await start();
    expect((await fetch(url, { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await post(Buffer.from([0xff, 0xfe, 0x00, 0x01]))).status).toBe(400);
    expect((await post('')).status).toBe(400);
    expect((await post('null')).status).toBe(200);
    expect((await post(sample('text_message.json'))).status).toBe(200);
  });

  it('works behind express.raw(): reuses the Buffer it left on req.body', async () => {
    const inbox = memoryInbox();
    const handler = createWebhookHandler({ appSecrets: [SECRET], verifyToken: 'v', inbox });
    const body = sample('reaction_message.json');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Object.assign(req, { body: Buffer.concat(chunks) });
        handler(req, res);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SECRET) },
      body: new Uint8Array(body),
    });
    expect(response.status).toBe(200);
    expect(inbox.rows).toHaveLength(1);
  });
});
