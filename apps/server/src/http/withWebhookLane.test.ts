import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/createLogger.js';
import { createParleyMetrics } from '../metrics/createParleyMetrics.js';
import { CONTENT_SECURITY_POLICY } from './securityHeaders.js';
import { withWebhookLane } from './withWebhookLane.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function start(listener: RequestListener): Promise<string> {
  server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function setUp(options: { https?: boolean; trustProxy?: number } = {}) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger({ level: 'info', destination });
  const metrics = createParleyMetrics();
  const seen: string[] = [];
  const lane = withWebhookLane(
    (req, res) => {
      seen.push(`app ${req.method} ${req.url}`);
      res.end('app');
    },
    {
      webhookHandler: (req, res) => {
        seen.push(`webhook ${req.method} ${req.url}`);
        res.statusCode = 200;
        res.end('OK');
      },
      log,
      metrics,
      https: options.https ?? false,
      trustProxy: options.trustProxy ?? 0,
    },
  );
  return { lane, lines, metrics, seen };
}

describe('withWebhookLane', () => {
  it('hands /webhook (with or without a query) to the handler, everything else to the app', async () => {
    const { lane, seen } = setUp();
    const url = await start(lane);
    await fetch(`${url}/webhook`, { method: 'POST', body: '{}' });
    await fetch(`${url}/webhook?hub.mode=subscribe`);
    await fetch(`${url}/webhook/`);
    await fetch(`${url}/WEBHOOK`);
    await fetch(`${url}/api/flows`);
    expect(seen).toEqual([
      'webhook POST /webhook',
      'webhook GET /webhook?hub.mode=subscribe',
      'app GET /webhook/',
      'app GET /WEBHOOK',
      'app GET /api/flows',
    ]);
  });

  it('answers like the app does: request id, security headers, request log line, HTTP metrics', async () => {
    const { lane, lines, metrics } = setUp();
    const url = await start(lane);
    const mine = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'x-request-id': 'trace-9' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-9');
    expect(mine.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(mine.headers.get('x-content-type-options')).toBe('nosniff');
    expect(mine.headers.get('strict-transport-security')).toBeNull();
    const evil = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'x-request-id': 'a b<x>' } });
    expect(evil.headers.get('x-request-id')).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(await metrics.registry.render()).toContain(
      'parley_http_requests_total{method="POST",route="/webhook",status="200"} 2',
    );
    expect(lines.filter((line) => line.msg === 'request')).toEqual([
      expect.objectContaining({ requestId: 'trace-9', method: 'POST', route: '/webhook', status: 200 }),
      expect.objectContaining({ method: 'POST', route: '/webhook', status: 200 }),
    ]);
  });

  it('sends HSTS when the public URL is https, or a trusted proxy says the request was', async () => {
    const https = setUp({ https: true });
    let url = await start(https.lane);
    expect((await fetch(`${url}/webhook`)).headers.get('strict-transport-security')).toContain('max-age=');
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    const proxied = setUp({ trustProxy: 1 });
    url = await start(proxied.lane);
    const viaProxy = await fetch(`${url}/webhook`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(viaProxy.headers.get('strict-transport-security')).toContain('max-age=');
    expect((await fetch(`${url}/webhook`)).headers.get('strict-transport-security')).toBeNull();
  });
});
