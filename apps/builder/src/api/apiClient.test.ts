import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiClient } from './apiClient.js';
import { ApiError } from './ApiError.js';
import { fixtureFlow } from '../testing/fixtureManifests.js';

// A real HTTP server on 127.0.0.1 playing the contract's part for the paths the client uses.
let server: Server;
let base = '';
const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/api/auth/login')
        return json(200, { user: { id: 'u', email: 'a@b.c', role: 'editor' }, csrfToken: 'csrf-1' });
      if (req.url === '/api/flows/test-flow' && req.method === 'GET')
        return json(200, fixtureFlow(), { etag: '"v1"' });
      if (req.url === '/api/flows/test-flow' && req.method === 'PUT') {
        return req.headers['if-match'] === '"v1"'
          ? json(200, { etag: '"v2"' })
          : json(409, { error: { code: 'flow.conflict', message: 'The flow changed on the server.' } });
      }
      if (req.url === '/api/flows/test-flow/publish') {
        return json(422, {
          error: {
            code: 'flow.lint_failed',
            message: 'Fix the problems first.',
            issues: [{ code: 'x', severity: 'error', message: 'Bad', path: [] }],
          },
        });
      }
      if (req.url === '/api/auth/me') return json(401, {});
      res.writeHead(500);
      res.end('not json');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('apiClient', () => {
  it('logs in, then sends the CSRF token on writes and If-Match on saves', async () => {
    const api = createApiClient({ baseUrl: base });
    expect((await api.login('a@b.c', 'pw')).role).toBe('editor');
    const { flow, etag } = await api.getFlow('test-flow');
    expect(etag).toBe('"v1"');
    expect(await api.saveFlow(flow, etag)).toBe('"v2"');
    const put = seen.find((s) => s.method === 'PUT')!;
    expect(put.headers['x-csrf-token']).toBe('csrf-1');
    expect(put.headers['if-match']).toBe('"v1"');
    expect(JSON.parse(put.body).id).toBe('test-flow');
  });

  it('turns a stale ETag into a 409 ApiError with the server words', async () => {
    const api = createApiClient({ baseUrl: base });
    const error = await api.saveFlow(fixtureFlow(), '"old"').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 409,
      code: 'flow.conflict',
      message: 'The flow changed on the server.',
    });
  });

  it('carries lint issues on a refused publish, calls onUnauthorized on 401, and survives non-JSON errors', async () => {
    let unauthorized = 0;
    const api = createApiClient({ baseUrl: base, onUnauthorized: () => (unauthorized += 1) });
    const refused = await api.publishFlow('test-flow').catch((e: ApiError) => e);
    expect(refused).toMatchObject({ status: 422, code: 'flow.lint_failed' });
    expect((refused as ApiError).issues).toHaveLength(1);
    await expect(api.me()).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).toBe(1);
    await expect(api.listBots()).rejects.toMatchObject({ status: 500, code: 'http.500' });
  });

  it('reports an unreachable server in words', async () => {
    const api = createApiClient({ baseUrl: 'http://127.0.0.1:9' });
    await expect(api.listFlows()).rejects.toMatchObject({ code: 'network' });
  });
});
