import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../http/testing/apiClient.js';
import { startTestServer, type TestServer } from '../http/testing/startTestServer.js';
import { botTokenAad } from './botsRoutes.js';

let s: TestServer;
const TOKEN = 'EAAGsecretAccessToken0123456789abcdef';

beforeAll(async () => {
  s = await startTestServer();
  expect((await call(s, 'POST', '/api/flows/hello/publish', { as: 'editor' })).status).toBe(201);
});
afterAll(async () => s?.close());

async function dataText(): Promise<string> {
  const out: string[] = [];
  for (const e of await readdir(s.dataDir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(await readFile(path.join(e.parentPath, e.name), 'utf8').catch(() => ''));
  }
  return out.join('\n');
}

describe('bots', () => {
  let botId = '';

  it('binds a phone number id and a sealed access token to a published flow', async () => {
    const res = await call(s, 'POST', '/api/bots', {
      as: 'owner',
      body: { name: 'Shop', phoneNumberId: '1055', flowId: 'hello', accessToken: TOKEN },
    });
    expect(res.status).toBe(201);
    botId = res.json.id;
    expect(res.json).toMatchObject({
      name: 'Shop',
      phoneNumberId: '1055',
      flowId: 'hello',
      flowVersion: 'latest',
      kind: 'production',
      hasAccessToken: true,
      health: { tokenValid: null },
    });
    expect(res.text).not.toContain(TOKEN);
    const stored = await s.store.getBot(botId);
    expect(stored?.accessTokenEncrypted).toBeDefined();
    expect(stored?.accessTokenEncrypted).not.toContain(TOKEN);
    expect(s.deps.cipher.decrypt(stored!.accessTokenEncrypted!, botTokenAad(botId))).toBe(TOKEN);
    expect(await dataText()).not.toContain(TOKEN);
    expect(s.logs.join('')).not.toContain(TOKEN);
    const audit = await s.store.listAudit({ limit: 100 });
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('lists bots without tokens', async () => {
    const res = await call(s, 'GET', '/api/bots', { as: 'viewer' });
    expect(res.json.bots).toHaveLength(1);
    expect(res.text).not.toContain(TOKEN);
    expect(res.text).not.toContain('accessTokenEncrypted');
  });

  it('refuses an unpublished flow, a missing version and a number already in use', async () => {
    const unpublished = await call(s, 'POST', '/api/bots', {
      as: 'owner',
      body: { name: 'B', phoneNumberId: '2', flowId: 'broken' },
    });
    expect(unpublished.status).toBe(409);
    expect(unpublished.json.error).toMatchObject({ code: 'bot.flow_not_published', path: ['flowId'] });
    const pinned = await call(s, 'POST', '/api/bots', {
      as: 'owner',
      body: { name: 'B', phoneNumberId: '2', flowId: 'hello', flowVersion: 7 },
    });
    expect(pinned.json.error.path).toEqual(['flowVersion']);
    const taken = await call(s, 'POST', '/api/bots', {
      as: 'owner',
      body: { name: 'B', phoneNumberId: '1055', flowId: 'hello' },
    });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('bot.phone_in_use');
  });

  it('refuses bad input with the field path', async () => {
    const res = await call(s, 'POST', '/api/bots', {
      as: 'owner',
      body: { name: 'B', phoneNumberId: '+31 6', flowId: 'hello' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.path).toEqual(['phoneNumberId']);
    const short = await call(s, 'POST', '/api/bots', {
      as: 'owner',
      body: { name: 'B', phoneNumberId: '3', flowId: 'hello', accessToken: 'abc' },
    });
    expect(short.json.error.path).toEqual(['accessToken']);
  });

  it('updates, pins a version, replaces and removes the token', async () => {
    const pinned = await call(s, 'PATCH', `/api/bots/${botId}`, {
      as: 'owner',
      body: { flowVersion: 1, name: 'Shop NL' },
    });
    expect(pinned.status).toBe(200);
    expect(pinned.json).toMatchObject({ flowVersion: 1, name: 'Shop NL', hasAccessToken: true });
    const replaced = await call(s, 'PATCH', `/api/bots/${botId}`, {
      as: 'owner',
      body: { accessToken: `${TOKEN}-new` },
    });
    expect(replaced.status).toBe(200);
    const stored = await s.store.getBot(botId);
    expect(s.deps.cipher.decrypt(stored!.accessTokenEncrypted!, botTokenAad(botId))).toBe(`${TOKEN}-new`);
    const removed = await call(s, 'PATCH', `/api/bots/${botId}`, {
      as: 'owner',
      body: { accessToken: null },
    });
    expect(removed.json.hasAccessToken).toBe(false);
    const badVersion = await call(s, 'PATCH', `/api/bots/${botId}`, {
      as: 'owner',
      body: { flowVersion: 5 },
    });
    expect(badVersion.status).toBe(409);
    expect((await call(s, 'PATCH', '/api/bots/bot_ghost', { as: 'owner', body: { name: 'x' } })).status).toBe(
      404,
    );
  });

  it('reports health with pending outbound messages', async () => {
    const res = await call(s, 'GET', `/api/bots/${botId}/health`, { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ tokenValid: null, lastError: null, lastErrorAt: null, outboxPending: 0 });
    await s.store.saveBot({
      ...(await s.store.getBot(botId))!,
      health: { tokenValid: false, lastError: 'Token expired', lastErrorAt: 5 },
    });
    const bad = await call(s, 'GET', `/api/bots/${botId}/health`, { as: 'viewer' });
    expect(bad.json).toMatchObject({ tokenValid: false, lastError: 'Token expired', lastErrorAt: 5 });
    expect((await call(s, 'GET', '/api/bots/bot_ghost/health', { as: 'viewer' })).status).toBe(404);
  });

  it('deletes a bot', async () => {
    expect((await call(s, 'DELETE', `/api/bots/${botId}`, { as: 'owner' })).status).toBe(204);
    expect((await call(s, 'GET', '/api/bots', { as: 'viewer' })).json.bots).toEqual([]);
    expect((await call(s, 'DELETE', `/api/bots/${botId}`, { as: 'owner' })).status).toBe(404);
  });
});
