import { describe, expect, it } from 'vitest';
import { safeHttp, server, startServer, useLoopbackServer } from './safeHttpTestKit.js';

useLoopbackServer();

describe('size cap and timeouts', () => {
  it('cuts a 50 MB streamed response at the cap and closes the connection', async () => {
    let written = 0;
    let closedEarly = false;
    server.handler = (_req, res) => {
      res.setHeader('content-type', 'application/octet-stream');
      const chunk = Buffer.alloc(64 * 1024, 97);
      const total = 50 * 1024 * 1024;
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        closedEarly = written < total || !res.writableFinished;
      });
      pump();
    };
    const http = safeHttp({ allowCidrs: ['127.0.0.1/32'], maxResponseBytes: 1024 * 1024 });
    const res = await http.request({ method: 'GET', url: `http://127.0.0.1:${server.port}/big` });
    expect(res).toMatchObject({ ok: false, error: { code: 'response_too_large', status: 200 } });
    await new Promise((r) => setTimeout(r, 50));
    expect(closedEarly).toBe(true);
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses up front when Content-Length is over the cap', async () => {
    server.handler = (_req, res) => {
      res.setHeader('content-length', String(5000));
      res.end('x'.repeat(5000));
    };
    const http = safeHttp({ allowCidrs: ['127.0.0.1/32'], maxResponseBytes: 4096 });
    const res = await http.request({ method: 'GET', url: `http://127.0.0.1:${server.port}/` });
    expect(res).toMatchObject({ ok: false, error: { code: 'response_too_large' } });
  });

  it('accepts a body exactly at the cap', async () => {
    server.handler = (_req, res) => res.end('y'.repeat(4096));
    const http = safeHttp({ allowCidrs: ['127.0.0.1/32'], maxResponseBytes: 4096 });
    const res = await http.request({ method: 'GET', url: `http://127.0.0.1:${server.port}/` });
    expect(res.ok && res.body.length).toBe(4096);
  });

  it('times out a server that never answers', async () => {
    server.handler = () => undefined;
    const http = safeHttp({ allowCidrs: ['127.0.0.1/32'], timeoutMs: 150 });
    const started = Date.now();
    const res = await http.request({ method: 'GET', url: `http://127.0.0.1:${server.port}/` });
    expect(res).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('uses a shorter per-request timeout but never a longer one', async () => {
    server.handler = () => undefined;
    const http = safeHttp({ allowCidrs: ['127.0.0.1/32'], timeoutMs: 300 });
    const started = Date.now();
    const res = await http.request({
      method: 'GET',
      url: `http://127.0.0.1:${server.port}/`,
      timeoutMs: 60_000,
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('times out a slow DNS answer', async () => {
    const http = safeHttp({ timeoutMs: 100, lookup: () => new Promise(() => undefined) });
    const res = await http.request({ method: 'GET', url: 'http://slow.test/' });
    expect(res).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('reports a refused connection as a network error', async () => {
    const gone = await startServer();
    const port = gone.port;
    await gone.close();
    const res = await safeHttp({ allowCidrs: ['127.0.0.1/32'] }).request({
      method: 'GET',
      url: `http://127.0.0.1:${port}/`,
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'network_error' } });
  });
});
