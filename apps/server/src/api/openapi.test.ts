import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../http/testing/apiClient.js';
import { startTestServer, type TestServer } from '../http/testing/startTestServer.js';
import { apiRoutes } from './apiRoutes.js';
import { buildOpenApi } from './openapi.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

describe('OpenAPI document', () => {
  it('is served without auth at /api/openapi.json', async () => {
    const res = await call(s, 'GET', '/api/openapi.json', { as: 'none' });
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.1.0');
  });

  it('describes every route of the table, with its parameters, body and errors', () => {
    const doc = buildOpenApi(apiRoutes, { version: '1.2.3' }) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown> };
      info: { version: string };
    };
    expect(doc.info.version).toBe('1.2.3');
    for (const route of apiRoutes) {
      const p = `/api${route.path.replace(/:(\w+)/g, '{$1}')}`;
      const op = doc.paths[p]?.[route.method];
      expect(op, `${route.method} ${p}`).toBeDefined();
      const responses = op!.responses as Record<string, unknown>;
      for (const status of Object.keys(route.responses)) expect(responses[status]).toBeDefined();
      if (route.access !== 'public') {
        expect(responses['401']).toBeDefined();
        expect(responses['403']).toBeDefined();
        expect(op!['x-parley-role']).toBe(route.access);
      }
      if (route.body) expect(op!.requestBody).toBeDefined();
    }
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('generates schemas from the zod schemas (no hand-written copies)', () => {
    const doc = buildOpenApi(apiRoutes, { version: '0' }) as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
            parameters: Array<Record<string, unknown>>;
          }
        >
      >;
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    const createUser = doc.paths['/api/users']!.post!.requestBody!.content['application/json']!.schema;
    expect(createUser.required).toEqual(expect.arrayContaining(['email', 'password', 'role']));
    expect((createUser.properties as Record<string, { enum?: string[] }>).role!.enum).toEqual([
      'owner',
      'editor',
      'viewer',
    ]);
    const list = doc.paths['/api/conversations']!.get!.parameters.map((p) => p.name);
    expect(list).toEqual(expect.arrayContaining(['botId', 'status', 'contact', 'limit', 'offset']));
    const flowParam = doc.paths['/api/flows/{id}']!.get!.parameters[0]!;
    expect(flowParam).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(doc.components.schemas.Error).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
    const put = doc.paths['/api/flows/{id}']!.put!.parameters.find((p) => p.name === 'If-Match');
    expect(put).toMatchObject({ in: 'header', required: true });
  });
});
