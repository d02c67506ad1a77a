import { describe, expect, it } from 'vitest';
import { configIssuesOf, portsOf, runNodeForTest } from '../testing.js';
import { http } from './http.js';

const okJson = (json: unknown, status = 200) => ({
  ok: true as const,
  status,
  headers: {},
  body: JSON.stringify(json),
});

describe('http', () => {
  it('parses defaults, with ok and error ports', () => {
    expect(configIssuesOf(http)).toEqual([]);
    expect(portsOf(http)).toEqual([
      { id: 'ok', label: 'Success', kind: 'normal' },
      { id: 'error', label: 'Error', kind: 'error' },
    ]);
  });

  it('asks the http capability with the rendered request and maps the JSON answer', async () => {
    const { result, requests } = await runNodeForTest(http, {
      config: {
        method: 'POST',
        url: '{{api}}/orders/{{id}}',
        headers: [{ name: 'Authorization', value: 'Bearer {{token}}' }],
        body: '{"id":"{{id}}"}',
        timeoutMs: 5000,
        mappings: [
          { variable: 'status', path: '$.order.status' },
          { variable: 'first', path: '$.order.items[0].name' },
          { variable: 'missing', path: '$.nope' },
        ],
        statusVariable: 'code',
      },
      vars: { api: 'https://api.example.com', id: 'A1', token: 't0k' },
      http: () => okJson({ order: { status: 'shipped', items: [{ name: 'Pizza' }] } }),
    });
    expect(requests).toEqual([
      {
        method: 'POST',
        url: 'https://api.example.com/orders/A1',
        headers: {
          authorization: 'Bearer t0k',
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: '{"id":"A1"}',
        timeoutMs: 5000,
      },
    ]);
    expect(result).toEqual({
      set: { status: 'shipped', first: 'Pizza', missing: null, code: 200 },
      next: { port: 'ok' },
    });
  });

  it('prefers the capability’s parsed json and sends no body with GET', async () => {
    const { result, requests } = await runNodeForTest(http, {
      config: { url: 'https://x.test', body: 'ignored', mappings: [{ variable: 'v', path: '$.v' }] },
      http: () => ({ ok: true, status: 200, headers: {}, body: 'not json', json: { v: 1 } }),
    });
    expect(requests[0]?.body).toBeUndefined();
    expect(result.set).toEqual({ v: 1 });
  });

  it('leaves by error on a network failure, a non-2xx status or a non-JSON answer', async () => {
    const config = {
      url: 'https://x.test',
      mappings: [{ variable: 'v', path: '$.v' }],
      errorVariable: 'why',
      statusVariable: 'code',
    };
    const failed = await runNodeForTest(http, {
      config,
      http: () => ({ ok: false, error: { code: 'TIMEOUT', message: 'The request took too long' } }),
    });
    expect(failed.result).toEqual({
      set: { code: null, why: 'The request took too long' },
      next: { port: 'error' },
    });
    expect(failed.logs[0]).toMatchObject({ level: 'warn', fields: { code: 'TIMEOUT' } });
    const notFound = await runNodeForTest(http, { config, http: () => okJson({}, 404) });
    expect(notFound.result).toEqual({
      set: { code: 404, why: 'The server answered with status 404' },
      next: { port: 'error' },
    });
    const html = await runNodeForTest(http, {
      config,
      http: () => ({ ok: true, status: 200, headers: {}, body: '<html>' }),
    });
    expect(html.result).toEqual({
      set: { code: 200, why: 'The answer is not JSON' },
      next: { port: 'error' },
    });
  });

  it('rejects bad URLs, JSON paths and timeouts', () => {
    expect(configIssuesOf(http, { url: 'ftp://x' })).toEqual([
      { path: ['url'], message: 'The URL must start with https:// (or http://)', severity: 'error' },
    ]);
    expect(configIssuesOf(http, { mappings: [{ variable: 'a', path: 'a.b' }] })[0]).toMatchObject({
      path: ['mappings', 0, 'path'],
      message: expect.stringContaining('starts with $'),
    });
    expect(configIssuesOf(http, { timeoutMs: 60_000 })[0]).toMatchObject({
      path: ['timeoutMs'],
      message: 'Use a value of at most 30000',
    });
    expect(configIssuesOf(http, { body: '{}' })[0]).toMatchObject({ path: ['body'], severity: 'warning' });
  });

  it('encodes variable values in the URL, keeping a leading base URL as is', async () => {
    const vars = { api: 'https://api.example.com/v1', id: 'A 1/../admin?x=1' };
    const encoded = await runNodeForTest(http, { config: { url: '{{api}}/orders/{{id}}?q={{id}}' }, vars });
    expect(encoded.requests[0]?.url).toBe(
      'https://api.example.com/v1/orders/A%201%2F..%2Fadmin%3Fx%3D1?q=A%201%2F..%2Fadmin%3Fx%3D1',
    );
    const raw = await runNodeForTest(http, {
      config: { url: '{{api}}/orders/{{id}}', encodeVariables: false },
      vars,
    });
    expect(raw.requests[0]?.url).toBe('https://api.example.com/v1/orders/A 1/../admin?x=1');
  });
});
