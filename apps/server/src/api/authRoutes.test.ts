import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../http/testing/apiClient.js';
import { loginAs, startTestServer, TEST_PASSWORD, type TestServer } from '../http/testing/startTestServer.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

async function allDataText(dir: string): Promise<string> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      out.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8').catch(() => ''));
  }
  return out.join('\n');
}

describe('cookie sessions', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie and returns the user and a CSRF token', async () => {
    const { setCookie, csrfToken, cookie } = await loginAs(s, s.emails.editor);
    expect(setCookie).toMatch(/^parley_session=[\w-]{40,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure'); // plain http on 127.0.0.1
    expect(csrfToken.length).toBeGreaterThan(30);
    const me = await call(s, 'GET', '/api/auth/me', { as: { cookie } });
    expect(me.status).toBe(200);
    expect(me.json).toEqual({
      user: { id: 'usr_editor', email: s.emails.editor, role: 'editor' },
      csrfToken,
    });
    // Stored hashed: the cookie value is nowhere in the data directory.
    expect(await allDataText(s.dataDir)).not.toContain(cookie.split('=')[1]!);
  });

  it('rotates the session id on every login', async () => {
    const a = await loginAs(s, s.emails.viewer);
    const b = await loginAs(s, s.emails.viewer);
    expect(a.cookie).not.toBe(b.cookie);
  });

  it('marks the cookie Secure when the public address is https', async () => {
    const secure = await startTestServer({ env: { PUBLIC_URL: 'https://parley.example.com' } });
    try {
      const res = await fetch(`${secure.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: secure.emails.viewer, password: TEST_PASSWORD }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toContain('Secure');
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
    } finally {
      await secure.close();
    }
  });

  it('refuses a cookie write without the CSRF token, with a wrong one, or cross-site', async () => {
    const { cookie, csrfToken } = await loginAs(s, s.emails.editor);
    const body = { name: 'CSRF victim' };
    const missing = await call(s, 'POST', '/api/flows', { as: { cookie }, body });
    expect(missing.status).toBe(403);
    expect(missing.json.error.code).toBe('auth.csrf');
    const wrong = await call(s, 'POST', '/api/flows', { as: { cookie, csrfToken: `${csrfToken}x` }, body });
    expect(wrong.status).toBe(403);
    const crossOrigin = await call(s, 'POST', '/api/flows', {
      as: { cookie, csrfToken },
      body,
      headers: { origin: 'https://evil.example' },
    });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.json.error.code).toBe('auth.bad_origin');
    const fetchMetadata = await call(s, 'POST', '/api/flows', {
      as: { cookie, csrfToken },
      body,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(fetchMetadata.status).toBe(403);
    const flows = await call(s, 'GET', '/api/flows', { as: { cookie } });
    expect(flows.json.flows.map((f: { name: string }) => f.name)).not.toContain('CSRF victim');
    const ok = await call(s, 'POST', '/api/flows', {
      as: { cookie, csrfToken },
      body,
      headers: { origin: s.origin },
    });
    expect(ok.status).toBe(201);
  });

  it('needs no CSRF token with a bearer token', async () => {
    const res = await call(s, 'POST', '/api/flows', { as: 'editor', body: { name: 'By script' } });
    expect(res.status).toBe(201);
  });

  it('checks the role before anything else: a viewer cookie write is 403 forbidden', async () => {
    const { cookie, csrfToken } = await loginAs(s, s.emails.viewer);
    const res = await call(s, 'POST', '/api/flows', { as: { cookie, csrfToken }, body: { name: 'x' } });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('auth.forbidden');
  });

  it('logout ends the session', async () => {
    const session = await loginAs(s, s.emails.viewer);
    expect((await call(s, 'POST', '/api/auth/logout', { as: session })).status).toBe(204);
    expect((await call(s, 'GET', '/api/auth/me', { as: { cookie: session.cookie } })).status).toBe(401);
  });

  it('expires a session left idle', async () => {
    const { cookie } = await loginAs(s, s.emails.viewer);
    expect((await call(s, 'GET', '/api/auth/me', { as: { cookie } })).status).toBe(200);
    s.clock.now += s.config.sessionIdleMs + 1000;
    expect((await call(s, 'GET', '/api/auth/me', { as: { cookie } })).status).toBe(401);
  });

  it('returns no CSRF token for bearer callers and 401 for nobody', async () => {
    const me = await call(s, 'GET', '/api/auth/me', { as: 'admin' });
    expect(me.json).toEqual({ user: { id: 'admin', email: 'admin-token', role: 'owner' }, csrfToken: null });
    const nobody = await call(s, 'GET', '/api/auth/me', { as: 'none' });
    expect(nobody.status).toBe(401);
    expect(nobody.json).toEqual({ error: { code: 'auth.required', message: 'Please log in.' } });
  });
});

describe('login', () => {
  it('gives the same answer for a wrong password and an unknown email', async () => {
    const wrong = await call(s, 'POST', '/api/auth/login', {
      as: 'none',
      body: { email: s.emails.owner, password: 'nope' },
    });
    const unknown = await call(s, 'POST', '/api/auth/login', {
      as: 'none',
      body: { email: 'ghost@example.com', password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('is throttled per IP and email, with Retry-After, even for the right password', async () => {
    const email = 'throttled@example.com';
    await call(s, 'POST', '/api/users', {
      as: 'admin',
      body: { email, password: TEST_PASSWORD, role: 'viewer' },
    });
    for (let i = 0; i < 5; i++) {
      const res = await call(s, 'POST', '/api/auth/login', {
        as: 'none',
        body: { email, password: `wrong-${i}` },
      });
      expect(res.status).toBe(401);
    }
    const blocked = await call(s, 'POST', '/api/auth/login', {
      as: 'none',
      body: { email, password: TEST_PASSWORD },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.code).toBe('auth.throttled');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    s.clock.now += 15 * 60_000 + 1000;
    const later = await call(s, 'POST', '/api/auth/login', {
      as: 'none',
      body: { email, password: TEST_PASSWORD },
    });
    expect(later.status).toBe(200);
  });

  it('refuses bad input with the field path', async () => {
    const res = await call(s, 'POST', '/api/auth/login', { as: 'none', body: { email: '', password: 'x' } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('request.invalid_body');
    expect(res.json.error.path).toEqual(['email']);
  });

  it('audits logins by who, not with what', async () => {
    await loginAs(s, s.emails.owner);
    const audit = await s.store.listAudit({ limit: 500 });
    const entry = audit.find((a) => a.action === 'auth.login' && a.actor === `user:${s.emails.owner}`);
    expect(entry).toBeDefined();
    expect(JSON.stringify(audit)).not.toContain(TEST_PASSWORD);
  });
});

describe('password change', () => {
  it('needs the current password and then accepts the new one', async () => {
    const email = 'changer@example.com';
    await call(s, 'POST', '/api/users', {
      as: 'admin',
      body: { email, password: TEST_PASSWORD, role: 'editor' },
    });
    const session = await loginAs(s, email);
    const wrong = await call(s, 'POST', '/api/auth/password', {
      as: session,
      body: { currentPassword: 'not-it', newPassword: 'brand-new-password' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error.path).toEqual(['currentPassword']);
    const short = await call(s, 'POST', '/api/auth/password', {
      as: session,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.json.error.path).toEqual(['newPassword']);
    const ok = await call(s, 'POST', '/api/auth/password', {
      as: session,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'brand-new-password' },
    });
    expect(ok.status).toBe(204);
    await expect(loginAs(s, email)).rejects.toThrow(/401/);
    await loginAs(s, email, 'brand-new-password');
  });

  it('is refused for API tokens, which have no password', async () => {
    const res = await call(s, 'POST', '/api/auth/password', {
      as: 'editor',
      body: { currentPassword: 'x', newPassword: 'brand-new-password' },
    });
    expect(res.status).toBe(403);
  });
});

describe('API tokens', () => {
  it('are shown once, stored hashed, work as bearer with their role, and can be revoked', async () => {
    const created = await call(s, 'POST', '/api/tokens', {
      as: 'owner',
      body: { name: 'deploy', role: 'editor' },
    });
    expect(created.status).toBe(201);
    const token = created.json.token as string;
    expect(token).toMatch(/^parley_pat_/);
    const list = await call(s, 'GET', '/api/tokens', { as: 'owner' });
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain('"hash"');
    expect(await allDataText(s.dataDir)).not.toContain(token);
    expect(
      (await call(s, 'POST', '/api/flows', { as: { bearer: token }, body: { name: 'Via token' } })).status,
    ).toBe(201);
    expect((await call(s, 'GET', '/api/users', { as: { bearer: token } })).status).toBe(403);
    expect((await call(s, 'DELETE', `/api/tokens/${created.json.id}`, { as: 'owner' })).status).toBe(204);
    expect((await call(s, 'GET', '/api/flows', { as: { bearer: token } })).status).toBe(401);
    expect((await call(s, 'DELETE', `/api/tokens/${created.json.id}`, { as: 'owner' })).status).toBe(404);
  });

  it('refuses a malformed Authorization header', async () => {
    const res = await call(s, 'GET', '/api/flows', { as: 'none', headers: { authorization: 'Basic abc' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });
});

describe('users', () => {
  it('refuses duplicates and bad input, and keeps at least one owner', async () => {
    const dup = await call(s, 'POST', '/api/users', {
      as: 'owner',
      body: { email: s.emails.editor, password: TEST_PASSWORD, role: 'viewer' },
    });
    expect(dup.status).toBe(409);
    const badEmail = await call(s, 'POST', '/api/users', {
      as: 'owner',
      body: { email: 'nope', password: TEST_PASSWORD, role: 'viewer' },
    });
    expect(badEmail.status).toBe(400);
    expect(badEmail.json.error.path).toEqual(['email']);
    const badRole = await call(s, 'POST', '/api/users', {
      as: 'owner',
      body: { email: 'r@example.com', password: TEST_PASSWORD, role: 'god' },
    });
    expect(badRole.json.error.path).toEqual(['role']);
    const demote = await call(s, 'PATCH', '/api/users/usr_owner', { as: 'admin', body: { role: 'viewer' } });
    expect(demote.status).toBe(409);
    expect(demote.json.error.code).toBe('user.last_owner');
    const list = await call(s, 'GET', '/api/users', { as: 'owner' });
    expect(list.text).not.toContain('passwordHash');
    expect(list.text).not.toContain('scrypt');
    expect(
      (await call(s, 'PATCH', '/api/users/usr_nobody', { as: 'owner', body: { name: 'x' } })).status,
    ).toBe(404);
  });
});
