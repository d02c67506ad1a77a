import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './testing/apiClient.js';
import { startTestServer, type TestServer } from './testing/startTestServer.js';

let s: TestServer;
let builderDir: string;
beforeAll(async () => {
  builderDir = await mkdtemp(path.join(tmpdir(), 'parley-builder-'));
  await mkdir(path.join(builderDir, 'assets'));
  await writeFile(
    path.join(builderDir, 'index.html'),
    '<!doctype html><title>Parley editor</title><div id="root"></div>',
  );
  await writeFile(path.join(builderDir, 'assets', 'app-abc123.js'), 'console.log(1)');
  s = await startTestServer({ builderDir });
});
afterAll(async () => s?.close());

describe('operations endpoints', () => {
  it('/healthz says the process is up, without auth', async () => {
    const res = await call(s, 'GET', '/healthz', { as: 'none' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('/readyz checks the store and the workers', async () => {
    const res = await call(s, 'GET', '/readyz', { as: 'none' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ready', checks: { store: true, workers: true } });
    const notReady = await startTestServer({ ready: false });
    try {
      const r = await call(notReady, 'GET', '/readyz', { as: 'none' });
      expect(r.status).toBe(503);
      expect(r.json.checks).toEqual({ store: true, workers: false });
    } finally {
      await notReady.close();
    }
  });

  it('/metrics speaks Prometheus text with the outbox depth read from the store', async () => {
    s.deps.metrics.webhookRequestsRejected.inc({ reason: 'bad_signature' });
    await call(s, 'GET', '/api/flows', { as: 'viewer' });
    const res = await call(s, 'GET', '/metrics', { as: 'none' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(res.text).toContain('parley_webhook_requests_rejected_total{reason="bad_signature"} 1');
    expect(res.text).toContain('parley_outbox_queue_depth 0');
    expect(res.text).toContain('parley_http_requests_total{method="GET",route="/api/flows",status="200"}');
  });
});

describe('API plumbing', () => {
  it('answers unknown API paths with the JSON error shape', async () => {
    const res = await call(s, 'GET', '/api/nothing-here', { as: 'viewer' });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('route.not_found');
  });

  it('refuses oversize bodies with 413', async () => {
    const res = await call(s, 'POST', '/api/flows', {
      as: 'editor',
      raw: JSON.stringify({ name: 'x'.repeat(3_000_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('request.too_large');
  });

  it('gives every response a request id, echoing a sane incoming one', async () => {
    const mine = await call(s, 'GET', '/healthz', { as: 'none', headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const evil = await call(s, 'GET', '/healthz', { as: 'none', headers: { 'x-request-id': 'a b<script>' } });
    expect(evil.headers.get('x-request-id')).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const fresh = await call(s, 'GET', '/healthz', { as: 'none' });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(fresh.headers.get('x-request-id')).not.toBe(evil.headers.get('x-request-id'));
  });

  it('turns an unexpected error into a 500 with a reference and no internals', async () => {
    const original = s.store.listBots.bind(s.store);
    s.store.listBots = async () => {
      throw new Error('disk on fire at /secret/path.ts:12');
    };
    try {
      const res = await call(s, 'GET', '/api/bots', { as: 'viewer' });
      expect(res.status).toBe(500);
      expect(res.json.error.code).toBe('internal');
      expect(res.json.error.message).toContain(res.headers.get('x-request-id')!);
      expect(res.text).not.toContain('disk on fire');
      expect(s.logs.join('')).toContain('disk on fire');
    } finally {
      s.store.listBots = original;
    }
  });

  it('logs requests as JSON with the request id, never the query string', async () => {
    await call(s, 'GET', '/api/conversations?contact=31612345678', {
      as: 'viewer',
      headers: { 'x-request-id': 'log-check' },
    });
    const line = s.logs.find((l) => l.includes('"requestId":"log-check"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ msg: 'request', route: '/api/conversations', status: 200 });
    expect(s.logs.join('')).not.toContain('31612345678');
    expect(s.logs.join('')).not.toContain(s.tokens.viewer);
  });
});

describe('security headers', () => {
  it('are on every response', async () => {
    for (const p of ['/healthz', '/api/flows', '/']) {
      const res = await call(s, 'GET', p, { as: 'viewer' });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('strict-transport-security')).toBeNull(); // plain http
    }
  });
});

describe('the builder', () => {
  it('serves the built app with SPA fallback, and assets with long caching', async () => {
    const root = await call(s, 'GET', '/', { as: 'none' });
    expect(root.status).toBe(200);
    expect(root.text).toContain('Parley editor');
    const deep = await call(s, 'GET', '/flows/hello/edit', { as: 'none' });
    expect(deep.text).toContain('Parley editor');
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    const asset = await call(s, 'GET', '/assets/app-abc123.js', { as: 'none' });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const missingAsset = await call(s, 'GET', '/assets/missing.js', { as: 'none' });
    expect(missingAsset.status).toBe(404);
  });

  it('shows a friendly page when the builder is not built', async () => {
    const bare = await startTestServer();
    try {
      const res = await call(bare, 'GET', '/', { as: 'none' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text).toContain('npm run build');
    } finally {
      await bare.close();
    }
  });
});
