import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, builtinNodes, type HttpCapability } from '@parley/nodes';
import { configIssuesOf, portsOf, runNodeForTest } from '@parley/nodes/testing';
import { orderStatus } from './orderStatus.js';

/** A tiny real HTTP capability for the test: fetch with a timeout (the engine's adds SSRF rules and caps). */
const realHttp: HttpCapability = {
  async request(request) {
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers ?? {},
        ...(request.body !== undefined ? { body: request.body } : {}),
        signal: AbortSignal.timeout(request.timeoutMs ?? 5000),
      });
      const body = await response.text();
      return { ok: true, status: response.status, headers: Object.fromEntries(response.headers), body };
    } catch (error) {
      return {
        ok: false,
        error: { code: 'NETWORK', message: error instanceof Error ? error.message : String(error) },
      };
    }
  },
};

let server: Server;
let base: string;
const seen: Array<{ url: string; authorization: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
    const send = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body);
    };
    if (request.url === '/orders/A-1001')
      send(200, JSON.stringify({ status: 'shipped', eta: '2026-01-03', carrier: 'DHL' }));
    else if (request.url === '/orders/BROKEN') send(200, JSON.stringify({ nothing: true }));
    else if (request.url === '/orders/CRASH') send(500, '{"error":"boom"}');
    else if (request.url === '/orders/SLOW') setTimeout(() => send(200, '{"status":"late"}'), 2000);
    else send(404, '{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('acme/order-status', () => {
  it('is a valid node that the registry accepts next to the built-ins', () => {
    const registry = createRegistry([...builtinNodes, orderStatus]);
    expect(registry.get('acme/order-status')?.waitsForInput).toBe(false);
    expect(registry.manifest().find((entry) => entry.type === 'acme/order-status')?.defaults).toMatchObject({
      variable: 'order',
    });
    expect(portsOf(orderStatus).map((port) => port.id)).toEqual(['found', 'not_found', 'error']);
    expect(configIssuesOf(orderStatus)).toEqual([]);
  });

  it('finds an order over real HTTP, saves it and tells the user', async () => {
    const { result } = await runNodeForTest(orderStatus, {
      config: { apiKey: 'secret-{{tenant}}' },
      vars: { order_api: base, order_id: '#A-1001', tenant: 't1' },
      http: realHttp,
    });
    expect(result).toEqual({
      set: { order: { id: 'A-1001', status: 'shipped', eta: '2026-01-03', carrier: 'DHL' } },
      messages: [{ type: 'text', text: 'Order A-1001 is shipped. It should arrive on 2026-01-03.' }],
      next: { port: 'found' },
    });
    expect(seen.at(-1)).toEqual({ url: '/orders/A-1001', authorization: 'Bearer secret-t1' });
  });

  it('leaves by not_found for an unknown or malformed order number', async () => {
    const unknown = await runNodeForTest(orderStatus, {
      vars: { order_api: base, order_id: 'Z-9' },
      http: realHttp,
    });
    expect(unknown.result).toEqual({ set: { order: null }, next: { port: 'not_found' } });
    const before = seen.length;
    const malformed = await runNodeForTest(orderStatus, {
      vars: { order_api: base, order_id: '../admin' },
      http: realHttp,
    });
    expect(malformed.result.next).toEqual({ port: 'not_found' });
    expect(seen.length).toBe(before);
  });

  it('leaves by error on a server error, an unexpected answer, a timeout or a closed port', async () => {
    const vars = { order_api: base };
    expect(
      (await runNodeForTest(orderStatus, { vars: { ...vars, order_id: 'CRASH' }, http: realHttp })).result
        .next,
    ).toEqual({ port: 'error' });
    expect(
      (await runNodeForTest(orderStatus, { vars: { ...vars, order_id: 'BROKEN' }, http: realHttp })).result
        .next,
    ).toEqual({ port: 'error' });
    const slow = await runNodeForTest(orderStatus, {
      config: { timeoutMs: 500 },
      vars: { ...vars, order_id: 'SLOW' },
      http: realHttp,
    });
    expect(slow.result.next).toEqual({ port: 'error' });
    expect(slow.logs[0]).toMatchObject({ level: 'warn', fields: { code: 'NETWORK' } });
    const closed = await runNodeForTest(orderStatus, {
      vars: { order_api: 'http://127.0.0.1:1', order_id: 'A-1001' },
      http: realHttp,
    });
    expect(closed.result.next).toEqual({ port: 'error' });
  });

  it('rejects a config whose API address is not a URL', () => {
    expect(configIssuesOf(orderStatus, { apiBase: 'shop.example.com' })).toEqual([
      { path: ['apiBase'], message: 'The API address must start with https://', severity: 'error' },
    ]);
  });
});
