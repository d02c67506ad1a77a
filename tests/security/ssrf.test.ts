import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeHttp, type SafeHttpOptions } from '@parley/runtime';
import { http as httpNode, type HttpCapability, type HttpResponse } from '@parley/nodes';
import { runNodeForTest } from '@parley/nodes/testing';
import { report } from './figures.js';
import { portOf } from './portOf.js';
import { startLoopbackServer, type LoopbackServer } from './loopbackServer.js';

/** Where the test's fake DNS sends names, and every address a socket was about to open to. */
let dns: Map<string, string[]>;
let lookups: string[];
let connects: string[];
let target: LoopbackServer;
let secret: LoopbackServer;

const isLoopback = (address: string) => /^127\.|^::1$|^::ffff:127\./.test(address);

/**
 * The capability the engine builds, with the default policy; only DNS is faked (no real resolver
 * is ever asked) and a guard makes sure no socket opens anywhere but loopback.
 */
function capability(options: SafeHttpOptions = {}): HttpCapability & { last?: HttpResponse } {
  const safe = createSafeHttp({
    ...options,
    lookup: async (hostname) => {
      lookups.push(hostname);
      const answers = dns.get(hostname);
      if (!answers || answers.length === 0)
        throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
      const address = answers.length > 1 ? answers.shift()! : answers[0]!;
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    },
    onConnect: ({ address }) => {
      connects.push(address);
      if (!isLoopback(address)) throw new Error(`the test refused a socket to ${address}`);
    },
  });
  const wrapped: HttpCapability & { last?: HttpResponse } = {
    async request(request) {
      wrapped.last = await safe.request(request);
      return wrapped.last;
    },
  };
  return wrapped;
}

/** Runs the real HTTP node (config parsing, templates, executor) against a URL. */
async function runHttpNode(url: string, http: HttpCapability & { last?: HttpResponse }) {
  const run = await runNodeForTest(httpNode, {
    config: {
      url,
      method: 'GET',
      errorVariable: 'error',
      statusVariable: 'status',
      mappings: [{ variable: 'ok', path: '$.ok' }],
    },
    http,
  });
  return { port: portOf(run.result.next), set: run.result.set ?? {}, response: http.last };
}

beforeAll(async () => {
  target = await startLoopbackServer();
  secret = await startLoopbackServer((_req, res) => res.end('{"ok":"the secret"}'));
});
afterAll(async () => {
  await target?.close();
  await secret?.close();
});

describe('4. SSRF through the HTTP node, default policy', () => {
  it('blocks loopback, private, metadata, CGNAT, ULA, link-local in every spelling, and non-HTTP schemes', async () => {
    dns = new Map([
      ['internal.test', ['10.1.2.3']],
      ['metadata.test', ['169.254.169.254']],
      ['loop.test', ['127.0.0.1']],
      ['mixed.test', ['127.0.0.1']],
      ['v6loop.test', ['::1']],
      ['cgnat.test', ['100.100.0.1']],
      ['ula.test', ['fd00::1']],
    ]);
    lookups = [];
    connects = [];
    const p = target.port;
    const urls = [
      `http://127.0.0.1:${p}/`,
      `http://127.1:${p}/`,
      `http://127.0.1:${p}/`,
      `http://2130706433:${p}/`,
      `http://0x7f000001:${p}/`,
      `http://0x7f.0.0.1:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://127.255.255.254:${p}/`,
      `http://localhost:${p}/`,
      `http://LOCALHOST:${p}/`,
      `http://localhost.:${p}/`,
      `http://api.localhost:${p}/`,
      `http://[::1]:${p}/`,
      `http://[0:0:0:0:0:0:0:1]:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      `http://[::127.0.0.1]:${p}/`,
      `http://[64:ff9b::7f00:1]:${p}/`,
      `http://[2002:7f00:1::1]:${p}/`,
      `http://0.0.0.0:${p}/`,
      `http://0:${p}/`,
      `http://[::]:${p}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.170.2/v2/credentials',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      'http://10.0.0.1/',
      'http://10.255.255.255/',
      'http://172.16.0.1/',
      'http://172.31.255.254/',
      'http://192.168.0.1/',
      'http://192.168.255.254/',
      'http://100.64.0.1/',
      'http://100.127.255.254/',
      'http://[fc00::1]/',
      'http://[fdff:ffff::1]/',
      'http://[fe80::1]/',
      'http://[febf::1]/',
      'http://198.18.0.1/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://user:pass@127.0.0.1:' + p + '/',
      `http://internal.test:${p}/`,
      `http://metadata.test/`,
      `http://loop.test:${p}/`,
      `http://v6loop.test:${p}/`,
      `http://cgnat.test/`,
      `http://ula.test/`,
      'file:///etc/passwd',
      'data:application/json,{"ok":true}',
      `ftp://127.0.0.1:${p}/`,
      'gopher://127.0.0.1:70/_x',
      'javascript:alert(1)',
      `ws://127.0.0.1:${p}/`,
      'dict://127.0.0.1:11211/stats',
    ];
    const results = [];
    for (const url of urls) {
      const run = await runHttpNode(url, capability());
      results.push({
        url,
        port: run.port,
        code: run.response && !run.response.ok ? run.response.error.code : 'none',
        reached: run.set.ok !== undefined && run.set.ok !== null,
      });
    }
    const notBlocked = results.filter((r) => r.port !== 'error' || r.reached);
    const codes = results.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.code]: (acc[r.code] ?? 0) + 1 }),
      {},
    );
    report('ssrf blocked', {
      urls: urls.length,
      blocked: `${results.length - notBlocked.length}/${urls.length}`,
      codes,
      loopbackConnections: target.connections,
      socketsOpened: connects.length,
    });
    expect(notBlocked).toEqual([]);
    expect(target.connections).toBe(0);
    expect(connects).toEqual([]);
  });

  it('pins the socket to the checked address: a DNS answer that changes after the check is never used', async () => {
    // First answer public, every later one loopback: the classic rebinding sequence.
    dns = new Map([['rebind.test', ['93.184.215.14', '127.0.0.1']]]);
    lookups = [];
    connects = [];
    const before = target.connections;
    const run = await runHttpNode(`http://rebind.test:${target.port}/`, capability());
    report('ssrf rebinding', {
      lookups: lookups.length,
      connectAttempts: connects,
      loopbackConnections: target.connections - before,
    });
    expect(run.port).toBe('error');
    expect(lookups).toEqual(['rebind.test']);
    // The only socket attempted is to the address that was checked (our guard refused it: no traffic leaves).
    expect(connects).toEqual(['93.184.215.14']);
    expect(target.connections - before).toBe(0);
  });

  it('reaches an allowlisted host, but not a private host it redirects to', async () => {
    dns = new Map([['allowed.test', ['127.0.0.1']]]);
    lookups = [];
    connects = [];
    const http = capability({ allowHosts: [`allowed.test:${target.port}`] });
    target.handler = (_req, res) => res.setHeader('content-type', 'application/json').end('{"ok":"allowed"}');
    const ok = await runHttpNode(`http://allowed.test:${target.port}/orders`, http);
    expect(ok.port).toBe('ok');
    expect(ok.set.ok).toBe('allowed');

    const redirects = [
      `http://127.0.0.1:${secret.port}/`,
      `http://localhost:${secret.port}/`,
      `http://[::1]:${secret.port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'file:///etc/passwd',
      `http://allowed.test:${secret.port}/`,
    ];
    const results = [];
    for (const location of redirects) {
      target.handler = (_req, res) => res.writeHead(302, { location }).end();
      const run = await runHttpNode(`http://allowed.test:${target.port}/go`, http);
      results.push({
        location,
        port: run.port,
        code: run.response && !run.response.ok ? run.response.error.code : run.response?.status,
      });
    }
    target.handler = (_req, res) => res.end('{"ok":true}');
    report('ssrf allowlist and redirects', {
      allowedReached: ok.set.ok,
      redirects: results,
      secretConnections: secret.connections,
    });
    expect(results.filter((r) => r.port !== 'error')).toEqual([]);
    expect(secret.connections).toBe(0);
  });

  it('cuts a 50 MB response at the configured cap', async () => {
    dns = new Map([['big.test', ['127.0.0.1']]]);
    lookups = [];
    connects = [];
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    target.handler = (_req, res, state) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const total = 50 * 1024 * 1024;
      const pump = () => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          state.bytesWritten += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on('close', () => undefined);
      pump();
    };
    target.bytesWritten = 0;
    const cap = 1_048_576;
    const started = Date.now();
    const rssBefore = process.memoryUsage().rss;
    const run = await runHttpNode(
      `http://big.test:${target.port}/huge`,
      capability({ allowHosts: [`big.test:${target.port}`], maxResponseBytes: cap }),
    );
    const ms = Date.now() - started;
    const rssGrowthMb = Math.round((process.memoryUsage().rss - rssBefore) / 1048576);
    target.handler = (_req, res) => res.end('{"ok":true}');
    report('ssrf 50 MB response', {
      code: run.response && !run.response.ok ? run.response.error.code : 'none',
      capBytes: cap,
      serverWroteMb: (target.bytesWritten / 1048576).toFixed(1),
      ms,
      rssGrowthMb,
    });
    expect(run.port).toBe('error');
    expect(run.response?.ok).toBe(false);
    expect(run.response && !run.response.ok && run.response.error.code).toBe('response_too_large');
    // The download stopped near the cap (socket buffers allow a few MB), never the whole 50 MB.
    expect(target.bytesWritten).toBeLessThan(20 * 1024 * 1024);
  });
});
