import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../http/testing/apiClient.js';
import { goodFlow, startTestServer, type TestServer } from '../http/testing/startTestServer.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

const file = (id: string) => readFile(path.join(s.flowsDir, `${id}.json`), 'utf8');

describe('flows: list and read', () => {
  it('lists flow files with summary fields, skipping test files and junk', async () => {
    await writeFile(path.join(s.flowsDir, 'hello.test.json'), '{}');
    await writeFile(path.join(s.flowsDir, 'notes.txt'), 'x');
    await writeFile(path.join(s.flowsDir, 'garbled.json'), '{ nope');
    const res = await call(s, 'GET', '/api/flows', { as: 'viewer' });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.json.flows.map((f: { id: string }) => [f.id, f]));
    expect(Object.keys(byId).sort()).toEqual(['broken', 'garbled', 'hello']);
    expect(byId.hello).toMatchObject({ id: 'hello', name: 'Hello', latestVersion: null, nodeCount: 2 });
    expect(byId.hello.etag).toMatch(/^"[\w-]+"$/);
    expect(typeof byId.hello.updatedAt).toBe('number');
    expect(byId.garbled.problem).toContain('not valid JSON');
  });

  it('returns the document itself with an ETag that matches the list', async () => {
    const res = await call(s, 'GET', '/api/flows/hello', { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.json.id).toBe('hello');
    expect(res.json.nodes).toHaveLength(2);
    const list = await call(s, 'GET', '/api/flows', { as: 'viewer' });
    expect(res.headers.get('etag')).toBe(list.json.flows.find((f: { id: string }) => f.id === 'hello').etag);
  });

  it('404s unknown ids, and ids that try to leave the folder', async () => {
    for (const id of ['nope', '..%2F..%2Fetc%2Fpasswd', 'UPPER', '%2e%2e']) {
      const res = await call(s, 'GET', `/api/flows/${id}`, { as: 'viewer' });
      expect([400, 404]).toContain(res.status);
      expect(res.json.error.code).toMatch(/^(flow\.not_found|request\.invalid_params|route\.not_found)$/);
    }
  });
});

describe('flows: create, save, conflict', () => {
  it('creates a blank flow with an id from its name, and suffixes a taken id', async () => {
    const a = await call(s, 'POST', '/api/flows', { as: 'editor', body: { name: 'Order Status' } });
    expect(a.status).toBe(201);
    expect(a.json.id).toBe('order-status');
    expect(a.json.nodes.map((n: { type: string }) => n.type)).toEqual(['start']);
    expect(a.headers.get('etag')).toBeTruthy();
    expect(a.headers.get('location')).toBe('/api/flows/order-status');
    const b = await call(s, 'POST', '/api/flows', { as: 'editor', body: { name: 'Order status' } });
    expect(b.json.id).toBe('order-status-2');
    const explicit = await call(s, 'POST', '/api/flows', {
      as: 'editor',
      body: { id: 'order-status', name: 'Again' },
    });
    expect(explicit.status).toBe(409);
    expect(explicit.json.error.code).toBe('flow.exists');
  });

  it('creates from a template and from an imported document', async () => {
    const fromTemplate = await call(s, 'POST', '/api/flows', {
      as: 'editor',
      body: { name: 'Hello 2', template: 'hello' },
    });
    expect(fromTemplate.status).toBe(201);
    expect(fromTemplate.json).toMatchObject({ id: 'hello-2', name: 'Hello 2' });
    expect(fromTemplate.json.nodes).toHaveLength(2);
    const imported = await call(s, 'POST', '/api/flows', {
      as: 'editor',
      body: { name: 'Imported', document: goodFlow('imported-flow', 'Whatever') },
    });
    expect(imported.status).toBe(201);
    expect(imported.json).toMatchObject({ id: 'imported-flow', name: 'Imported' });
    const missingTemplate = await call(s, 'POST', '/api/flows', {
      as: 'editor',
      body: { name: 'X', template: 'ghost' },
    });
    expect(missingTemplate.status).toBe(404);
  });

  it('refuses a schema-invalid document with the issues and their paths', async () => {
    const doc = goodFlow('bad-import');
    (doc.nodes as unknown[]).push({ id: 'n', type: 'message', position: { x: 'left' }, data: {} });
    const res = await call(s, 'POST', '/api/flows', { as: 'editor', body: { name: 'Bad', document: doc } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('flow.invalid');
    expect(res.json.error.issues.length).toBeGreaterThan(0);
    expect(res.json.error.path.slice(0, 2)).toEqual(['nodes', 2]);
  });

  it('saves with If-Match, pretty-printed with stable key order, and refuses a stale ETag with 409', async () => {
    const loaded = await call(s, 'GET', '/api/flows/hello', { as: 'editor' });
    const etag = loaded.headers.get('etag')!;
    const doc = { ...loaded.json, description: 'Greets people' };
    const noIfMatch = await call(s, 'PUT', '/api/flows/hello', { as: 'editor', body: doc });
    expect(noIfMatch.status).toBe(428);
    const saved = await call(s, 'PUT', '/api/flows/hello', {
      as: 'editor',
      body: doc,
      headers: { 'if-match': etag },
    });
    expect(saved.status).toBe(200);
    expect(saved.json.etag).not.toBe(etag);
    expect(saved.headers.get('etag')).toBe(saved.json.etag);
    const text = await file('hello');
    expect(text).toContain('\n  "description": "Greets people",\n');
    expect(text.endsWith('}\n')).toBe(true);
    // Stable key order: the same document with its keys shuffled is written to the same bytes.
    expect(Object.keys(JSON.parse(text)).slice(0, 3)).toEqual(['schemaVersion', 'id', 'name']);
    const shuffled = Object.fromEntries(Object.entries(doc).reverse());
    const again = await call(s, 'PUT', '/api/flows/hello', {
      as: 'editor',
      body: shuffled,
      headers: { 'if-match': saved.json.etag },
    });
    expect(again.status).toBe(200);
    expect(again.json.etag).toBe(saved.json.etag);
    expect(await file('hello')).toBe(text);
    const stale = await call(s, 'PUT', '/api/flows/hello', {
      as: 'editor',
      body: doc,
      headers: { 'if-match': etag },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('flow.conflict');
    const unquoted = await call(s, 'PUT', '/api/flows/hello', {
      as: 'editor',
      body: doc,
      headers: { 'if-match': saved.json.etag.replaceAll('"', '') },
    });
    expect(unquoted.status).toBe(200);
  });

  it('detects a change made on disk by someone else', async () => {
    const loaded = await call(s, 'GET', '/api/flows/broken', { as: 'editor' });
    await writeFile(
      path.join(s.flowsDir, 'broken.json'),
      `${JSON.stringify({ ...loaded.json, name: 'Edited in vim' }, null, 2)}\n`,
    );
    const res = await call(s, 'PUT', '/api/flows/broken', {
      as: 'editor',
      body: loaded.json,
      headers: { 'if-match': loaded.headers.get('etag')! },
    });
    expect(res.status).toBe(409);
  });

  it('allows saving a draft with lint errors but not a document for another id', async () => {
    const loaded = await call(s, 'GET', '/api/flows/hello', { as: 'editor' });
    const draft = structuredClone(loaded.json);
    draft.nodes[1].data.text = '';
    const ok = await call(s, 'PUT', '/api/flows/hello', {
      as: 'editor',
      body: draft,
      headers: { 'if-match': loaded.headers.get('etag')! },
    });
    expect(ok.status).toBe(200);
    const mismatch = await call(s, 'PUT', '/api/flows/hello', {
      as: 'editor',
      body: { ...draft, id: 'other' },
      headers: { 'if-match': ok.json.etag },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.error.path).toEqual(['id']);
    // Put the good text back for the publishing tests.
    draft.nodes[1].data.text = 'Hello {{contact.name}}';
    const restored = await call(s, 'PUT', '/api/flows/hello', {
      as: 'editor',
      body: draft,
      headers: { 'if-match': ok.json.etag },
    });
    expect(restored.status).toBe(200);
  });

  it('lets exactly one of two concurrent saves from the same version win', async () => {
    const loaded = await call(s, 'GET', '/api/flows/order-status', { as: 'editor' });
    const etag = loaded.headers.get('etag')!;
    const results = await Promise.all(
      ['First', 'Second', 'Third'].map((description) =>
        call(s, 'PUT', '/api/flows/order-status', {
          as: 'editor',
          body: { ...loaded.json, description },
          headers: { 'if-match': etag },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });

  it('leaves no temporary files behind', async () => {
    expect((await readdir(s.flowsDir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('answers malformed JSON with 400, not a crash', async () => {
    const res = await call(s, 'POST', '/api/flows', { as: 'editor', raw: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('request.invalid_json');
  });
});

describe('flows: validate, publish, versions, rollback', () => {
  it('validates the saved file or a draft', async () => {
    const saved = await call(s, 'POST', '/api/flows/hello/validate', { as: 'viewer' });
    expect(saved.status).toBe(200);
    expect(saved.json.errors).toEqual([]);
    const draft = goodFlow();
    (draft.nodes as Array<{ data: Record<string, unknown> }>)[1]!.data = { text: '' };
    const res = await call(s, 'POST', '/api/flows/hello/validate', { as: 'viewer', body: draft });
    expect(res.json.errors.length).toBeGreaterThan(0);
    expect(res.json.errors[0]).toMatchObject({ severity: 'error', nodeId: 'greet' });
    const schemaBroken = await call(s, 'POST', '/api/flows/hello/validate', {
      as: 'viewer',
      body: { nodes: 'no' },
    });
    expect(schemaBroken.status).toBe(200);
    expect(schemaBroken.json.errors.length).toBeGreaterThan(0);
  });

  it('refuses to publish a flow with lint errors (422 with the issues)', async () => {
    const res = await call(s, 'POST', '/api/flows/broken/publish', { as: 'editor' });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('flow.lint_failed');
    expect(res.json.error.issues[0]).toMatchObject({ severity: 'error' });
    expect((await call(s, 'GET', '/api/flows/broken/versions', { as: 'viewer' })).json.versions).toEqual([]);
  });

  it('publishes numbered versions with content hashes; same content is not a new version', async () => {
    const v1 = await call(s, 'POST', '/api/flows/hello/publish', { as: 'editor' });
    expect(v1.status).toBe(201);
    expect(v1.json).toMatchObject({ version: 1 });
    expect(v1.json.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await call(s, 'POST', '/api/flows/hello/publish', { as: 'editor' });
    expect(again.json.version).toBe(1);
    const loaded = await call(s, 'GET', '/api/flows/hello', { as: 'editor' });
    const changed = structuredClone(loaded.json);
    changed.nodes[1].data.text = 'Welcome, {{contact.name}}!';
    await call(s, 'PUT', '/api/flows/hello', {
      as: 'editor',
      body: changed,
      headers: { 'if-match': loaded.headers.get('etag')! },
    });
    const v2 = await call(s, 'POST', '/api/flows/hello/publish', { as: 'editor' });
    expect(v2.json.version).toBe(2);
    expect(v2.json.hash).not.toBe(v1.json.hash);
    const versions = await call(s, 'GET', '/api/flows/hello/versions', { as: 'viewer' });
    expect(versions.json.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.json.versions[0].publishedBy).toBe('token:editor token');
    const list = await call(s, 'GET', '/api/flows', { as: 'viewer' });
    expect(list.json.flows.find((f: { id: string }) => f.id === 'hello').latestVersion).toBe(2);
  });

  it('publishing with a stale If-Match is a conflict', async () => {
    const res = await call(s, 'POST', '/api/flows/hello/publish', {
      as: 'editor',
      headers: { 'if-match': '"stale"' },
    });
    expect(res.status).toBe(409);
  });

  it('rolls back: the old content becomes a new version and the file', async () => {
    const res = await call(s, 'POST', '/api/flows/hello/rollback', { as: 'editor', body: { version: 1 } });
    expect(res.status).toBe(201);
    expect(res.json.version).toBe(3);
    const doc = (await call(s, 'GET', '/api/flows/hello', { as: 'viewer' })).json;
    expect(doc.nodes[1].data.text).toBe('Hello {{contact.name}}');
    const v1 = (await call(s, 'GET', '/api/flows/hello/versions', { as: 'viewer' })).json.versions.find(
      (v: { version: number }) => v.version === 1,
    );
    expect(res.json.hash).toBe(v1.hash);
    const missing = await call(s, 'POST', '/api/flows/hello/rollback', {
      as: 'editor',
      body: { version: 99 },
    });
    expect(missing.status).toBe(404);
    const bad = await call(s, 'POST', '/api/flows/hello/rollback', {
      as: 'editor',
      body: { version: 'one' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toEqual(['version']);
  });
});

describe('flows: rename, duplicate, delete', () => {
  it('renames without changing the id', async () => {
    const res = await call(s, 'POST', '/api/flows/hello-2/rename', {
      as: 'editor',
      body: { name: 'Renamed Hello' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 'hello-2', name: 'Renamed Hello' });
    expect(JSON.parse(await file('hello-2')).name).toBe('Renamed Hello');
    const empty = await call(s, 'POST', '/api/flows/hello-2/rename', { as: 'editor', body: { name: '  ' } });
    expect(empty.status).toBe(400);
    expect(empty.json.error.path).toEqual(['name']);
  });

  it('duplicates under a new id', async () => {
    const res = await call(s, 'POST', '/api/flows/hello/duplicate', {
      as: 'editor',
      body: { name: 'Hello copy' },
    });
    expect(res.status).toBe(201);
    expect(res.json.id).toBe('hello-copy');
    expect(res.json.nodes).toHaveLength(2);
    const taken = await call(s, 'POST', '/api/flows/hello/duplicate', {
      as: 'editor',
      body: { id: 'hello', name: 'x' },
    });
    expect(taken.status).toBe(409);
  });

  it('deletes a flow, but not one a bot runs', async () => {
    const bot = await call(s, 'POST', '/api/bots', {
      as: 'owner',
      body: { name: 'Live', phoneNumberId: '777', flowId: 'hello' },
    });
    expect(bot.status).toBe(201);
    const refused = await call(s, 'DELETE', '/api/flows/hello', { as: 'editor' });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('flow.in_use');
    expect((await call(s, 'DELETE', '/api/flows/hello-copy', { as: 'editor' })).status).toBe(204);
    expect((await call(s, 'GET', '/api/flows/hello-copy', { as: 'editor' })).status).toBe(404);
    expect((await call(s, 'DELETE', '/api/flows/hello-copy', { as: 'editor' })).status).toBe(404);
  });
});
