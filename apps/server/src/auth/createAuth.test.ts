import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLowdbStore, type Store } from '@parley/store';
import { createAuth, parseCookies, SESSION_COOKIE, type Auth } from './createAuth.js';

let dir: string;
let store: Store;
let now = 1_000_000;
let auth: Auth;
const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-auth-'));
  store = createLowdbStore({ dataDir: dir, contentEncryption: false, fsync: false });
  await store.init();
  now = 1_000_000;
  auth = createAuth({
    store,
    adminToken: 'the-admin-token-0123456789abcdef',
    now: () => now,
    sessionIdleMs: 60_000,
    sessionMaxMs: 300_000,
    passwordCost: { N: 1024, r: 8, p: 1 },
  });
  await store.saveUser({
    id: 'u1',
    email: 'ana@example.com',
    role: 'editor',
    passwordHash: await auth.hashPassword('pw-pw-pw-pw-pw'),
    createdAt: 0,
  });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('createAuth', () => {
  it('treats ADMIN_TOKEN as an owner bearer token', async () => {
    const result = await auth.authenticate(req({ authorization: 'Bearer the-admin-token-0123456789abcdef' }));
    expect(result).toEqual({
      ok: true,
      actor: { kind: 'admin-token', id: 'admin', role: 'owner', label: 'admin-token' },
    });
    expect(
      (await auth.authenticate(req({ authorization: 'Bearer the-admin-token-0123456789abcdeX' }))).ok,
    ).toBe(false);
  });

  it('finds no actor without credentials', async () => {
    expect(await auth.authenticate(req({}))).toEqual({ ok: true, actor: null });
    expect(await auth.authenticate(req({ cookie: `${SESSION_COOKIE}=forged` }))).toEqual({
      ok: true,
      actor: null,
    });
  });

  it('logs in case-insensitively by email and slides the idle expiry up to the maximum age', async () => {
    const login = await auth.login(' Ana@Example.com ', 'pw-pw-pw-pw-pw', '1.2.3.4');
    if (!login.ok) throw new Error('login failed');
    const cookie = `${SESSION_COOKIE}=${login.sessionId}`;
    for (let i = 0; i < 5; i++) {
      now += 50_000; // within the idle time each step
      const r = await auth.authenticate(req({ cookie }));
      expect(r.ok && r.actor?.email).toBe('ana@example.com');
    }
    now += 60_000; // 300 s after login: past the maximum age
    expect(await auth.authenticate(req({ cookie }))).toEqual({ ok: true, actor: null });
  });

  it('applies a changed role to live sessions at once', async () => {
    const login = await auth.login('ana@example.com', 'pw-pw-pw-pw-pw', 'ip');
    if (!login.ok) throw new Error('login failed');
    await store.saveUser({ id: 'u1', email: 'x', role: 'viewer', passwordHash: 'x', createdAt: 0 });
    const r = await auth.authenticate(req({ cookie: `${SESSION_COOKIE}=${login.sessionId}` }));
    expect(r.ok && r.actor?.role).toBe('viewer');
  });

  it('records when an API token was last used, at most once a minute', async () => {
    const { token, id } = await auth.createApiToken('ci', 'viewer', 'test');
    await auth.authenticate(req({ authorization: `Bearer ${token}` }));
    const first = (await store.listApiTokens()).find((t) => t.id === id)!.lastUsedAt;
    expect(first).toBe(now);
    now += 1000;
    await auth.authenticate(req({ authorization: `Bearer ${token}` }));
    expect((await store.listApiTokens()).find((t) => t.id === id)!.lastUsedAt).toBe(first);
  });
});

describe('parseCookies', () => {
  it('reads names and values, first one wins, tolerates junk', () => {
    expect(parseCookies('a=1; b="two"; a=3; junk; c=%E2%9C%93; d=%zz')).toEqual({
      a: '1',
      b: 'two',
      c: '✓',
      d: '%zz',
    });
    expect(parseCookies(undefined)).toEqual({});
  });
});
