import { describe, expect, it } from 'vitest';
import {
  connects,
  safeHttp,
  server,
  startServer,
  useLoopbackServer,
  type TestServer,
} from './safeHttpTestKit.js';

useLoopbackServer();

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
