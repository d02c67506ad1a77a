import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRole } from '../auth/roles.js';
import { call, seedConversation, type CallResult } from '../http/testing/apiClient.js';
import { recordingPreview } from '../http/testing/recordingPreview.js';
import { loginAs, startTestServer, TEST_PASSWORD, type TestServer } from '../http/testing/startTestServer.js';
import { apiRoutes } from './apiRoutes.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ preview: recordingPreview() });
});
afterAll(async () => s?.close());

async function etagOf(id: string): Promise<string> {
  return (await call(s, 'GET', `/api/flows/${id}`, { as: 'admin' })).headers.get('etag')!;
}
async function publishHello(): Promise<void> {
  expect((await call(s, 'POST', '/api/flows/hello/publish', { as: 'admin' })).status).toBe(201);
}
async function createBot(phone: string): Promise<string> {
  await publishHello();
  const res = await call(s, 'POST', '/api/bots', {
    as: 'admin',
    body: { name: `Bot ${phone}`, phoneNumberId: phone, flowId: 'hello' },
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
}
async function conversation(userId: string): Promise<string> {
  const c = await seedConversation(s.store, {
    userId,
    now: s.clock.now,
    lastUserMessageAt: s.clock.now - 60_000,
  });
  return encodeURIComponent(c.id);
}
async function previewSession(): Promise<string> {
  const flow = (await call(s, 'GET', '/api/flows/hello', { as: 'admin' })).json;
  return (await call(s, 'POST', '/api/preview/sessions', { as: 'admin', body: { flow } })).json
    .sessionId as string;
}

/**
 * For every route: a sample path (for the 401/403 checks, which run before anything else) and a
 * call that must succeed with the route's minimal role.
 */
const cases: Record<
  string,
  { sample: string; success: (as: 'viewer' | 'editor' | 'owner') => Promise<CallResult> }
> = {
  'post /auth/login': {
    sample: '/api/auth/login',
    success: () =>
      call(s, 'POST', '/api/auth/login', {
        as: 'none',
        body: { email: s.emails.viewer, password: TEST_PASSWORD },
      }),
  },
  'post /auth/logout': {
    sample: '/api/auth/logout',
    success: async () => call(s, 'POST', '/api/auth/logout', { as: await loginAs(s, s.emails.viewer) }),
  },
  'get /auth/me': { sample: '/api/auth/me', success: (as) => call(s, 'GET', '/api/auth/me', { as }) },
  'post /auth/password': {
    sample: '/api/auth/password',
    success: async () => {
      await call(s, 'POST', '/api/users', {
        as: 'admin',
        body: { email: 'pw@example.com', password: TEST_PASSWORD, role: 'viewer' },
      });
      const session = await loginAs(s, 'pw@example.com');
      return call(s, 'POST', '/api/auth/password', {
        as: session,
        headers: { origin: s.origin },
        body: { currentPassword: TEST_PASSWORD, newPassword: 'another-long-password' },
      });
    },
  },
  'get /node-types': {
    sample: '/api/node-types',
    success: (as) => call(s, 'GET', '/api/node-types', { as }),
  },
  'get /flows': { sample: '/api/flows', success: (as) => call(s, 'GET', '/api/flows', { as }) },
  'get /flows/:id': {
    sample: '/api/flows/hello',
    success: (as) => call(s, 'GET', '/api/flows/hello', { as }),
  },
  'post /flows': {
    sample: '/api/flows',
    success: (as) => call(s, 'POST', '/api/flows', { as, body: { name: 'Created by table' } }),
  },
  'put /flows/:id': {
    sample: '/api/flows/hello',
    success: async (as) => {
      const etag = await etagOf('hello');
      const doc = (await call(s, 'GET', '/api/flows/hello', { as })).json;
      return call(s, 'PUT', '/api/flows/hello', { as, body: doc, headers: { 'if-match': etag } });
    },
  },
  'delete /flows/:id': {
    sample: '/api/flows/hello',
    success: async (as) => {
      await call(s, 'POST', '/api/flows', { as: 'admin', body: { id: 'to-delete', name: 'To delete' } });
      return call(s, 'DELETE', '/api/flows/to-delete', { as });
    },
  },
  'post /flows/:id/duplicate': {
    sample: '/api/flows/hello/duplicate',
    success: (as) => call(s, 'POST', '/api/flows/hello/duplicate', { as, body: { name: 'Hello copy' } }),
  },
  'post /flows/:id/rename': {
    sample: '/api/flows/hello/rename',
    success: (as) => call(s, 'POST', '/api/flows/hello/rename', { as, body: { name: 'Hello again' } }),
  },
  'post /flows/:id/validate': {
    sample: '/api/flows/hello/validate',
    success: (as) => call(s, 'POST', '/api/flows/hello/validate', { as }),
  },
  'post /flows/:id/publish': {
    sample: '/api/flows/hello/publish',
    success: (as) => call(s, 'POST', '/api/flows/hello/publish', { as }),
  },
  'get /flows/:id/versions': {
    sample: '/api/flows/hello/versions',
    success: (as) => call(s, 'GET', '/api/flows/hello/versions', { as }),
  },
  'post /flows/:id/rollback': {
    sample: '/api/flows/hello/rollback',
    success: async (as) => {
      await publishHello();
      return call(s, 'POST', '/api/flows/hello/rollback', { as, body: { version: 1 } });
    },
  },
  'get /bots': { sample: '/api/bots', success: (as) => call(s, 'GET', '/api/bots', { as }) },
  'post /bots': {
    sample: '/api/bots',
    success: async (as) => {
      await publishHello();
      return call(s, 'POST', '/api/bots', {
        as,
        body: { name: 'Table bot', phoneNumberId: '2001', flowId: 'hello' },
      });
    },
  },
  'patch /bots/:id': {
    sample: '/api/bots/bot_x',
    success: async (as) =>
      call(s, 'PATCH', `/api/bots/${await createBot('2002')}`, { as, body: { name: 'Renamed' } }),
  },
  'delete /bots/:id': {
    sample: '/api/bots/bot_x',
    success: async (as) => call(s, 'DELETE', `/api/bots/${await createBot('2003')}`, { as }),
  },
  'get /bots/:id/health': {
    sample: '/api/bots/bot_x/health',
    success: async (as) => call(s, 'GET', `/api/bots/${await createBot('2004')}/health`, { as }),
  },
  'get /conversations': {
    sample: '/api/conversations',
    success: (as) => call(s, 'GET', '/api/conversations', { as }),
  },
  'get /conversations/:id': {
    sample: '/api/conversations/1055:1',
    success: async (as) => call(s, 'GET', `/api/conversations/${await conversation('3001')}`, { as }),
  },
  'post /conversations/:id/reset': {
    sample: '/api/conversations/1055:1/reset',
    success: async (as) => call(s, 'POST', `/api/conversations/${await conversation('3002')}/reset`, { as }),
  },
  'post /conversations/:id/handoff': {
    sample: '/api/conversations/1055:1/handoff',
    success: async (as) =>
      call(s, 'POST', `/api/conversations/${await conversation('3003')}/handoff`, { as }),
  },
  'post /conversations/:id/release': {
    sample: '/api/conversations/1055:1/release',
    success: async (as) =>
      call(s, 'POST', `/api/conversations/${await conversation('3004')}/release`, { as }),
  },
  'post /conversations/:id/messages': {
    sample: '/api/conversations/1055:1/messages',
    success: async (as) =>
      call(s, 'POST', `/api/conversations/${await conversation('3005')}/messages`, {
        as,
        body: { text: 'Hi, a human here' },
      }),
  },
  'get /contacts/:id/export': {
    sample: '/api/contacts/1055:1/export',
    success: async (as) => call(s, 'GET', `/api/contacts/${await conversation('3006')}/export`, { as }),
  },
  'delete /contacts/:id': {
    sample: '/api/contacts/1055:1',
    success: async (as) => call(s, 'DELETE', `/api/contacts/${await conversation('3007')}`, { as }),
  },
  'get /users': { sample: '/api/users', success: (as) => call(s, 'GET', '/api/users', { as }) },
  'post /users': {
    sample: '/api/users',
    success: (as) =>
      call(s, 'POST', '/api/users', {
        as,
        body: { email: 'new@example.com', password: TEST_PASSWORD, role: 'editor' },
      }),
  },
  'patch /users/:id': {
    sample: '/api/users/usr_editor',
    success: (as) => call(s, 'PATCH', '/api/users/usr_editor', { as, body: { name: 'Eddie' } }),
  },
  'get /audit': { sample: '/api/audit', success: (as) => call(s, 'GET', '/api/audit?limit=5', { as }) },
  'get /tokens': { sample: '/api/tokens', success: (as) => call(s, 'GET', '/api/tokens', { as }) },
  'post /tokens': {
    sample: '/api/tokens',
    success: (as) => call(s, 'POST', '/api/tokens', { as, body: { name: 'CI', role: 'viewer' } }),
  },
  'delete /tokens/:id': {
    sample: '/api/tokens/tok_x',
    success: async (as) => {
      const created = await call(s, 'POST', '/api/tokens', {
        as: 'admin',
        body: { name: 'temp', role: 'viewer' },
      });
      return call(s, 'DELETE', `/api/tokens/${created.json.id}`, { as });
    },
  },
  'post /preview/sessions': {
    sample: '/api/preview/sessions',
    success: async (as) => {
      const flow = (await call(s, 'GET', '/api/flows/hello', { as: 'admin' })).json;
      return call(s, 'POST', '/api/preview/sessions', { as, body: { flow } });
    },
  },
  'post /preview/sessions/:id/messages': {
    sample: '/api/preview/sessions/pv_x/messages',
    success: async (as) =>
      call(s, 'POST', `/api/preview/sessions/${await previewSession()}/messages`, {
        as,
        body: { text: 'hi' },
      }),
  },
  'get /preview/sessions/:id/events': {
    sample: '/api/preview/sessions/pv_x/events',
    success: async (as) =>
      call(s, 'GET', `/api/preview/sessions/${await previewSession()}/events?after=0`, { as }),
  },
  'post /preview/sessions/:id/restart': {
    sample: '/api/preview/sessions/pv_x/restart',
    success: async (as) => call(s, 'POST', `/api/preview/sessions/${await previewSession()}/restart`, { as }),
  },
  'delete /preview/sessions/:id': {
    sample: '/api/preview/sessions/pv_x',
    success: async (as) => call(s, 'DELETE', `/api/preview/sessions/${await previewSession()}`, { as }),
  },
  'post /preview/sessions/:id/save-test': {
    sample: '/api/preview/sessions/pv_x/save-test',
    success: async (as) =>
      call(s, 'POST', `/api/preview/sessions/${await previewSession()}/save-test`, { as }),
  },
};

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
/** An (invalid) body on writes: access is checked before input, so it must not matter. */
const bodyFor = (r: { method: string }) => (r.method === 'get' ? {} : { body: {} });

describe('every API route × credentials', () => {
  it('has a case for every route in the table (a new route needs one)', () => {
    expect(apiRoutes.map(key).sort()).toEqual(Object.keys(cases).sort());
  });

  const protectedRoutes = apiRoutes.filter((r) => r.access !== 'public');
  it.each(protectedRoutes.map((r) => [key(r), r] as const))(
    '%s without credentials → 401',
    async (_name, route) => {
      const res = await call(s, route.method.toUpperCase(), cases[key(route)]!.sample, {
        as: 'none',
        ...bodyFor(route),
      });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('auth.required');
    },
  );

  it.each(protectedRoutes.map((r) => [key(r), r] as const))(
    '%s with a wrong bearer token → 401',
    async (_name, route) => {
      const res = await call(s, route.method.toUpperCase(), cases[key(route)]!.sample, {
        as: { bearer: 'parley_pat_forged' },
        ...bodyFor(route),
      });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('auth.invalid_token');
    },
  );

  const roleGated = protectedRoutes.flatMap((r) =>
    (['viewer', 'editor'] as const)
      .filter((role) => !hasRole(role, r.access as 'viewer'))
      .map((role) => [key(r), role, r] as const),
  );
  it.each(roleGated)('%s as %s → 403', async (_name, role, route) => {
    const res = await call(s, route.method.toUpperCase(), cases[key(route)]!.sample, {
      as: role,
      ...bodyFor(route),
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('auth.forbidden');
  });

  it.each(apiRoutes.map((r) => [key(r), r] as const))(
    '%s with its minimal role → 2xx',
    async (_name, route) => {
      const role = route.access === 'public' ? 'viewer' : route.access;
      const res = await cases[key(route)]!.success(role);
      expect(res.status, res.text).toBeGreaterThanOrEqual(200);
      expect(res.status, res.text).toBeLessThan(300);
    },
  );

  const withInput = apiRoutes.filter((r) => r.body || r.params || r.query);
  it.each(withInput.map((r) => [key(r), r] as const))(
    '%s with bad input → 400 naming where',
    async (_name, route) => {
      const role = route.access === 'public' ? 'viewer' : route.access;
      const sample = cases[key(route)]!.sample;
      let res: CallResult;
      if (route.body) {
        res = await call(s, route.method.toUpperCase(), sample, { as: role, raw: '42' });
        expect(res.json.error.code).toBe('request.invalid_body');
      } else if (route.query) {
        res = await call(s, route.method.toUpperCase(), `${sample}?limit=-5&after=-5&status=zzz`, {
          as: role,
        });
        expect(res.json.error.code).toBe('request.invalid_query');
        expect(res.json.error.path.length).toBeGreaterThan(0);
      } else {
        // The last id in the path replaced by one with a space: no id schema allows it.
        const bad = sample.replace(/\/(hello|bot_x|1055:1|usr_editor|tok_x|pv_x)(\/|$)/, '/a%20b$2');
        expect(bad).not.toBe(sample);
        res = await call(s, route.method.toUpperCase(), bad, { as: role });
        expect(res.json.error.code).toBe('request.invalid_params');
      }
      expect(res.status).toBe(400);
      expect(Array.isArray(res.json.error.issues)).toBe(true);
      expect(res.json.error.message.length).toBeGreaterThan(10);
    },
  );

  it('recorded every successful write in the audit log', async () => {
    const audit = await s.store.listAudit({ limit: 1000 });
    const actions = new Set(audit.map((a) => a.action));
    for (const route of apiRoutes) {
      if (route.method !== 'get' && route.audit) expect(actions, route.audit).toContain(route.audit);
    }
    expect(actions).toContain('contact.export');
    expect(JSON.stringify(audit)).not.toContain('Hi, a human here');
  });
});
