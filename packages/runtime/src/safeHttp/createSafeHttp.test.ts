import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSafeHttp, type SafeHttpOptions } from './createSafeHttp.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface TestServer {
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

async function startServer(): Promise<TestServer> {
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

let server: TestServer;
let connects: string[];

/** Every capability in these tests refuses, loudly, to open a socket to anything but loopback. */
function safeHttp(options: SafeHttpOptions = {}) {
  return createSafeHttp({
    ...options,
    onConnect: ({ address }) => {
      connects.push(address);
      if (!/^127\.|^::1$|^::ffff:127\./.test(address)) throw new Error(`test tried to reach ${address}`);
    },
  });
}

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

describe('blocked by default', () => {
  const forms = (port: number) => [
    `http://127.0.0.1:${port}/`,
    `http://127.1:${port}/`,
    `http://2130706433:${port}/`,
    `http://0x7f000001:${port}/`,
    `http://0177.0.0.1:${port}/`,
    `http://localhost:${port}/`,
    `http://LOCALHOST.:${port}/`,
    `http://app.localhost:${port}/`,
    `http://[::1]:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://[::ffff:7f00:1]:${port}/`,
    `http://0.0.0.0:${port}/`,
    `http://0:${port}/`,
    `http://[::]:${port}/`,
    `http://[2002:7f00:1::1]:${port}/`,
    `http://169.254.169.254/latest/meta-data/`,
    `http://[::ffff:169.254.169.254]/`,
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://[fc00::1]/',
    'http://[fd12:3456::1]/',
    'http://[fe80::1]/',
    'https://10.1.2.3/',
  ];

  it('refuses every private, loopback and metadata form before any connection', async () => {
    const http = safeHttp();
    for (const url of forms(server.port)) {
      const res = await http.request({ method: 'GET', url });
      expect(res, url).toMatchObject({ ok: false, error: { code: 'blocked_address' } });
    }
    expect(connects).toEqual([]);
    expect(server.connections).toBe(0);
  });

  it('refuses a public-looking name whose DNS answer is private, without connecting', async () => {
    let lookups = 0;
    const http = safeHttp({
      lookup: async () => {
        lookups++;
        return [{ address: '10.0.0.7', family: 4 }];
      },
    });
    const res = await http.request({ method: 'GET', url: 'https://api.example.com/x' });
    expect(res).toMatchObject({ ok: false, error: { code: 'blocked_address' } });
    if (!res.ok) expect(res.error.message).toContain('"api.example.com" (10.0.0.7) is a private network');
    expect(lookups).toBe(1);
    expect(connects).toEqual([]);
  });

  it('refuses when any one of several DNS answers is private', async () => {
    const http = safeHttp({
      lookup: async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
      allowCidrs: ['127.0.0.1/32'],
    });
    const res = await http.request({ method: 'GET', url: `http://mixed.test:${server.port}/` });
    expect(res).toMatchObject({ ok: false, error: { code: 'blocked_address' } });
    expect(server.connections).toBe(0);
  });

  it.each(['file:///etc/passwd', 'data:text/plain,hello', `ftp://127.0.0.1/`, 'gopher://127.0.0.1:70/'])(
    'refuses the scheme of %s',
    async (url) => {
      const res = await safeHttp({ allowPrivateNetworks: true }).request({ method: 'GET', url });
      expect(res).toMatchObject({ ok: false, error: { code: 'blocked_scheme' } });
      expect(connects).toEqual([]);
    },
  );

  it('reports an address that is not a URL', async () => {
    const res = await safeHttp().request({ method: 'GET', url: 'not a url' });
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid_url' } });
  });

  it('reports a name that does not resolve', async () => {
    const http = safeHttp({ lookup: () => Promise.reject(new Error('ENOTFOUND')) });
    const res = await http.request({ method: 'GET', url: 'http://nowhere.test/' });
    expect(res).toMatchObject({ ok: false, error: { code: 'dns_error' } });
  });
});

describe('allowed hosts', () => {
  it('reaches an allowlisted loopback server, sends the body and parses JSON', async () => {
    server.handler = (_req, res, body) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ echoed: JSON.parse(body) as unknown }));
    };
    const http = safeHttp({ allowHosts: [`127.0.0.1:${server.port}`], userAgent: 'parley-test' });
    const res = await http.request({
      method: 'POST',
      url: `http://127.0.0.1:${server.port}/orders?x=1`,
      headers: { 'X-Api-Key': 'k', Host: 'evil.example', 'Metadata-Flavor': 'Google' },
      body: JSON.stringify({ id: 7 }),
    });
    expect(res).toMatchObject({ ok: true, status: 200, json: { echoed: { id: 7 } } });
    const seen = server.requests[0];
    expect(seen?.url).toBe('/orders?x=1');
    expect(seen?.headers['x-api-key']).toBe('k');
    expect(seen?.headers['user-agent']).toBe('parley-test');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(seen?.headers['metadata-flavor']).toBeUndefined();
  });

  it('only allows the listed port', async () => {
    const http = safeHttp({ allowHosts: [`127.0.0.1:${server.port + 1}`] });
    const res = await http.request({ method: 'GET', url: `http://127.0.0.1:${server.port}/` });
    expect(res).toMatchObject({ ok: false, error: { code: 'blocked_address' } });
    expect(server.connections).toBe(0);
  });

  it('reaches an allowlisted name, resolving it once', async () => {
    let lookups = 0;
    const http = safeHttp({
      allowHosts: ['crm.internal'],
      lookup: async () => {
        lookups++;
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    const res = await http.request({ method: 'GET', url: `http://crm.internal:${server.port}/` });
    expect(res).toMatchObject({ ok: true, status: 200, body: 'ok' });
    expect(lookups).toBe(1);
    expect(server.requests[0]?.headers.host).toBe(`crm.internal:${server.port}`);
  });

  it('returns non-2xx answers as responses with their status, and text when JSON is broken', async () => {
    server.handler = (_req, res) => {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end('{not json');
    };
    const res = await safeHttp({ allowCidrs: ['127.0.0.1/32'] }).request({
      method: 'GET',
      url: `http://127.0.0.1:${server.port}/`,
    });
    expect(res).toEqual(expect.objectContaining({ ok: true, status: 404, body: '{not json' }));
    expect(res.ok && res.json).toBeFalsy();
  });

  it('allowPrivateNetworks reaches loopback', async () => {
    const res = await safeHttp({ allowPrivateNetworks: true }).request({
      method: 'GET',
      url: `http://127.0.0.1:${server.port}/`,
    });
    expect(res).toMatchObject({ ok: true, status: 200 });
  });
});

describe('DNS rebinding', () => {
  it('resolves once per hop and connects to the checked address, not a later answer', async () => {
    const answers = ['127.0.0.1', '127.0.0.2', '127.0.0.2'];
    let lookups = 0;
    const http = safeHttp({
      allowCidrs: ['127.0.0.1/32'],
      lookup: async () => [{ address: answers[Math.min(lookups++, answers.length - 1)] ?? '', family: 4 }],
    });
    const res = await http.request({ method: 'GET', url: `http://rebind.test:${server.port}/` });
    expect(res).toMatchObject({ ok: true, status: 200 });
    expect(lookups).toBe(1);
    expect(connects).toEqual(['127.0.0.1']);
    expect(server.requests[0]?.local).toBe('127.0.0.1');

    // The next request sees the rebound answer and is refused before connecting.
    const again = await http.request({ method: 'GET', url: `http://rebind.test:${server.port}/` });
    expect(again).toMatchObject({ ok: false, error: { code: 'blocked_address' } });
    expect(lookups).toBe(2);
    expect(server.connections).toBe(1);
  });

  it('re-resolves and re-checks on every redirect hop', async () => {
    let lookups = 0;
    server.handler = (req, res) => {
      if (req.url === '/start') {
        res.statusCode = 302;
        res.setHeader('location', '/next');
        res.end();
      } else res.end('landed');
    };
    const http = safeHttp({
      allowCidrs: ['127.0.0.1/32'],
      lookup: async () => {
        lookups++;
        return [{ address: lookups === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
      },
    });
    const res = await http.request({ method: 'GET', url: `http://rebind.test:${server.port}/start` });
    expect(res).toMatchObject({ ok: false, error: { code: 'blocked_address' } });
    expect(lookups).toBe(2);
    expect(server.requests.map((r) => r.url)).toEqual(['/start']);
  });
});

describe('redirects', () => {
  it('blocks a redirect from an allowed host to a private one', async () => {
    server.handler = (_req, res) => {
      res.statusCode = 301;
      res.setHeader('location', 'http://169.254.169.254/latest/meta-data/iam/');
      res.end();
    };
    const http = safeHttp({ allowHosts: [`127.0.0.1:${server.port}`] });
    const res = await http.request({ method: 'GET', url: `http://127.0.0.1:${server.port}/` });
    expect(res).toMatchObject({ ok: false, error: { code: 'blocked_address' } });
    expect(connects).toEqual(['127.0.0.1']);
  });

  it('blocks a redirect to a loopback port that is not allowlisted', async () => {
    server.handler = (_req, res) => {
      res.statusCode = 307;
      res.setHeader('location', `http://[::1]:${server.port}/`);
      res.end();
    };
    const http = safeHttp({ allowHosts: [`127.0.0.1:${server.port}`] });
    const res = await http.request({ method: 'GET', url: `http://127.0.0.1:${server.port}/` });
    expect(res).toMatchObject({ ok: false, error: { code: 'blocked_address' } });
    expect(server.connections).toBe(1);
  });

  it('follows allowed redirects, turning a POST into a GET on 303 and dropping credentials across origins', async () => {
    let other: TestServer | undefined;
    try {
      other = await startServer();
      other.handler = (req, res) => res.end(`final ${req.method}`);
      server.handler = (_req, res) => {
        res.statusCode = 303;
        res.setHeader('location', `http://127.0.0.1:${other?.port}/done`);
        res.end();
      };
      const http = safeHttp({ allowCidrs: ['127.0.0.1/32'] });
      const res = await http.request({
        method: 'POST',
        url: `http://127.0.0.1:${server.port}/`,
        headers: { authorization: 'Bearer secret', 'x-keep': '1' },
        body: '{"a":1}',
      });
      expect(res).toMatchObject({ ok: true, status: 200, body: 'final GET' });
      expect(server.requests[0]?.headers.authorization).toBe('Bearer secret');
      expect(other.requests[0]?.headers.authorization).toBeUndefined();
      expect(other.requests[0]?.headers['x-keep']).toBe('1');
      expect(other.requests[0]?.body).toBe('');
    } finally {
      await other?.close();
    }
  });

  it('stops after maxRedirects', async () => {
    server.handler = (req, res) => {
      res.statusCode = 302;
      res.setHeader('location', `/hop${server.requests.length}`);
      res.end();
    };
    const http = safeHttp({ allowCidrs: ['127.0.0.1/32'], maxRedirects: 2 });
    const res = await http.request({ method: 'GET', url: `http://127.0.0.1:${server.port}/` });
    expect(res).toMatchObject({ ok: false, error: { code: 'too_many_redirects' } });
    expect(server.requests).toHaveLength(3);
  });
});

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
