import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../apps/server/src/api/apiRoutes.js';
import { report } from './figures.js';
import { startSecurityParley, type TestParley } from './startSecurityParley.js';

let parley: TestParley;
let owner: { email: string; password: string };
beforeAll(async () => {
  parley = await startSecurityParley({ LOGIN_MAX_FAILURES: '5' });
  // Sandbox mode keeps the first owner's one-time password in DATA_DIR (mode 0600).
  const text = await readFile(path.join(parley.dataDir, 'initial-owner.txt'), 'utf8');
  owner = { email: /email: (.+)/.exec(text)![1]!.trim(), password: /password: (.+)/.exec(text)![1]!.trim() };
});
afterAll(async () => parley?.stop());

const concrete = (routePath: string) => routePath.replace(/:[A-Za-z]+/g, 'welcome');

async function call(
  method: string,
  routePath: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Response> {
  const unsafe = method !== 'get' && method !== 'head';
  const response = await fetch(`${parley.url}/api${routePath}`, {
    method: method.toUpperCase(),
    headers: { ...(unsafe ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(unsafe ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  return response;
}

async function login(email = owner.email, password = owner.password, baseUrl?: string) {
  const response = baseUrl
    ? await fetch(`${baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      })
    : await call('post', '/auth/login', {}, { email, password });
  const cookie = response.headers.get('set-cookie') ?? '';
  const body = (await response.json()) as { csrfToken?: string };
  return { status: response.status, cookie, csrfToken: body.csrfToken, headers: response.headers };
}

describe('7. auth', () => {
  it('answers every non-public /api route without credentials (or with forged ones) with 401', async () => {
    const guarded = apiRoutes.filter((r) => r.access !== 'public');
    const forged: Array<[string, Record<string, string>]> = [
      ['none', {}],
      ['bad bearer', { authorization: 'Bearer not-a-real-token-0123456789abcdef' }],
      ['basic auth', { authorization: `Basic ${Buffer.from(`${owner.email}:x`).toString('base64')}` }],
      ['forged cookie', { cookie: 'parley_session=0123456789abcdef0123456789abcdef' }],
      ['empty bearer', { authorization: 'Bearer ' }],
    ];
    const answers: Array<{ route: string; how: string; status: number }> = [];
    for (const route of guarded) {
      for (const [how, headers] of forged) {
        const response = await call(route.method, concrete(route.path), headers);
        await response.arrayBuffer();
        answers.push({ route: `${route.method.toUpperCase()} ${route.path}`, how, status: response.status });
      }
    }
    // Public by design: login (needs a password), logout (ends nothing without a session), the API description.
    const publicAnswers = [];
    for (const route of apiRoutes.filter((r) => r.access === 'public')) {
      const response = await call(route.method, concrete(route.path));
      await response.arrayBuffer();
      publicAnswers.push(`${route.method.toUpperCase()} ${route.path} → ${response.status}`);
    }
    const twoXx = answers.filter((a) => a.status >= 200 && a.status < 300);
    report('auth without credentials', {
      routes: guarded.length,
      requests: answers.length,
      answered2xx: twoXx.length,
      answered401: answers.filter((a) => a.status === 401).length,
      public: publicAnswers,
    });
    expect(twoXx).toEqual([]);
    expect(answers.filter((a) => a.status !== 401)).toEqual([]);
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, Path=/ and refuses cross-site changes', async () => {
    const session = await login();
    expect(session.status).toBe(200);
    const flags = session.cookie.split(';').map((p) => p.trim().toLowerCase());
    expect(flags[0]).toMatch(/^parley_session=[^;]{20,}$/);
    expect(flags).toContain('httponly');
    expect(flags).toContain('samesite=strict');
    expect(flags).toContain('path=/');
    const cookie = session.cookie.split(';')[0]!;
    const create = (headers: Record<string, string>, name: string) =>
      call('post', '/tokens', { cookie, ...headers }, { name, role: 'viewer' });

    const attempts = {
      crossSiteFetchMetadata: await create(
        { 'sec-fetch-site': 'cross-site', 'x-csrf-token': session.csrfToken!, origin: parley.url },
        'a',
      ),
      foreignOrigin: await create(
        { origin: 'https://evil.example', 'x-csrf-token': session.csrfToken! },
        'b',
      ),
      nullOrigin: await create({ origin: 'null', 'x-csrf-token': session.csrfToken! }, 'c'),
      noCsrfToken: await create({}, 'd'),
      wrongCsrfToken: await create({ 'x-csrf-token': 'x'.repeat(43) }, 'e'),
      formContentType: await fetch(`${parley.url}/api/tokens`, {
        method: 'POST',
        headers: {
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'https://evil.example',
        },
        body: 'name=f&role=owner',
      }),
    };
    const statuses = Object.fromEntries(Object.entries(attempts).map(([k, r]) => [k, r.status]));
    const control = await create(
      { origin: parley.url, 'sec-fetch-site': 'same-origin', 'x-csrf-token': session.csrfToken! },
      'ok',
    );
    const tokens = (await (await call('get', '/tokens', { cookie })).json()) as unknown;
    report('auth cross-site', {
      ...statuses,
      sameOriginControl: control.status,
      cookieFlags: flags.slice(1),
    });
    for (const [name, status] of Object.entries(statuses))
      expect({ name, status: status >= 400 && status < 500 }).toEqual({ name, status: true });
    expect(control.status).toBe(201);
    // Only the same-origin control created a token.
    expect(JSON.stringify(tokens).match(/"name":"[a-f]"/g)).toBeNull();
  });

  it('throttles logins: after 5 failures even the right password gets 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(owner.email, `wrong-${i}`)).status);
    const right = await login();
    const other = await login('someone@else.example', 'whatever');
    report('auth throttle', {
      failures: statuses,
      thenRightPassword: right.status,
      retryAfter: right.headers.get('retry-after'),
      otherEmail: other.status,
    });
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.cookie).toBe('');
  });

  it('marks the cookie Secure when Parley is served over https (PUBLIC_URL)', async () => {
    const secure = await startSecurityParley({ PUBLIC_URL: 'https://parley.example' });
    try {
      const text = await readFile(path.join(secure.dataDir, 'initial-owner.txt'), 'utf8');
      const password = /password: (.+)/.exec(text)![1]!.trim();
      const session = await login(owner.email, password, secure.url);
      const flags = session.cookie.split(';').map((p) => p.trim().toLowerCase());
      report('auth secure cookie', { status: session.status, flags: flags.slice(1) });
      expect(session.status).toBe(200);
      expect(flags).toContain('secure');
      expect(flags).toContain('httponly');
    } finally {
      await secure.stop();
    }
  });
});
