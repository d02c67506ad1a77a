import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, seedConversation } from '../http/testing/apiClient.js';
import { startTestServer, type TestServer } from '../http/testing/startTestServer.js';

let s: TestServer;
const HOUR = 3_600_000;

beforeAll(async () => {
  s = await startTestServer();
  await seedConversation(s.store, {
    userId: '31600000001',
    name: 'Ana',
    botId: 'bot_a',
    now: s.clock.now,
    lastUserMessageAt: s.clock.now - HOUR,
  });
  await seedConversation(s.store, {
    userId: '31600000002',
    name: 'Bram',
    botId: 'bot_b',
    now: s.clock.now,
    lastUserMessageAt: s.clock.now - 30 * HOUR,
  });
});
afterAll(async () => s?.close());

const id1 = encodeURIComponent('1055:31600000001');
const id2 = encodeURIComponent('1055:31600000002');

describe('conversations', () => {
  it('lists with contact names and the 24-hour window', async () => {
    const res = await call(s, 'GET', '/api/conversations', { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.json.total).toBe(2);
    const ana = res.json.items.find((i: { userId: string }) => i.userId === '31600000001');
    expect(ana).toMatchObject({
      contactName: 'Ana',
      status: 'waiting',
      nodeId: 'greet',
      flowId: 'hello',
      windowOpen: true,
      botId: 'bot_a',
    });
    const bram = res.json.items.find((i: { userId: string }) => i.userId === '31600000002');
    expect(bram.windowOpen).toBe(false);
  });

  it('filters by bot, status and contact, and pages', async () => {
    const byBot = await call(s, 'GET', '/api/conversations?botId=bot_b', { as: 'viewer' });
    expect(byBot.json.items.map((i: { userId: string }) => i.userId)).toEqual(['31600000002']);
    const byContact = await call(s, 'GET', '/api/conversations?contact=Ana', { as: 'viewer' });
    expect(byContact.json.items.map((i: { userId: string }) => i.userId)).toEqual(['31600000001']);
    const byStatus = await call(s, 'GET', '/api/conversations?status=handoff', { as: 'viewer' });
    expect(byStatus.json.items).toEqual([]);
    const page = await call(s, 'GET', '/api/conversations?limit=1&offset=1', { as: 'viewer' });
    expect(page.json.items).toHaveLength(1);
    expect(page.json.total).toBe(2);
  });

  it('refuses bad filters with the parameter named', async () => {
    const res = await call(s, 'GET', '/api/conversations?status=sleepy&limit=5000', { as: 'viewer' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('request.invalid_query');
    expect(res.json.error.issues.map((i: { path: string[] }) => i.path[0]).sort()).toEqual([
      'limit',
      'status',
    ]);
  });

  it('reads one with its transcript, outbox and path, without the engine snapshot', async () => {
    const res = await call(s, 'GET', `/api/conversations/${id1}`, { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.json.conversation).toMatchObject({
      id: '1055:31600000001',
      contactName: 'Ana',
      vars: { name: 'Ana' },
      windowOpen: true,
    });
    expect(res.json.conversation.snapshot).toBeUndefined();
    expect(res.json.transcript).toHaveLength(2);
    expect(res.json.outbox).toEqual([]);
    expect(res.json.path).toEqual(['start', 'greet']);
    expect((await call(s, 'GET', '/api/conversations/1055%3A999', { as: 'viewer' })).status).toBe(404);
  });

  it('queues reset, handoff and release (202), 404 for an unknown conversation', async () => {
    for (const action of ['reset', 'handoff', 'release']) {
      const res = await call(s, 'POST', `/api/conversations/${id1}/${action}`, { as: 'editor' });
      expect(res.status).toBe(202);
      expect(res.text).toBe('');
    }
    // Queued through the durable inbox, in order, as operator events for the engine.
    const claimed = await s.store.claimInbox('test', s.clock.now, s.clock.now + 60_000, 10);
    expect(claimed.map((r) => r.event.type)).toEqual([
      'operator.reset',
      'operator.handoff',
      'operator.release',
    ]);
    expect(claimed.every((r) => r.conversationId === '1055:31600000001')).toBe(true);
    await s.store.markInboxDone(claimed.map((r) => r.id));
    expect((await call(s, 'POST', '/api/conversations/1055%3A999/reset', { as: 'editor' })).status).toBe(404);
  });

  it('sends an operator message inside the 24-hour window only', async () => {
    const ok = await call(s, 'POST', `/api/conversations/${id1}/messages`, {
      as: 'editor',
      body: { text: 'Hello from Sam' },
    });
    expect(ok.status).toBe(202);
    const [queued] = await s.store.claimInbox('test', s.clock.now, s.clock.now + 60_000, 10);
    expect(queued?.event).toMatchObject({ type: 'operator.message', text: 'Hello from Sam' });
    const closed = await call(s, 'POST', `/api/conversations/${id2}/messages`, {
      as: 'editor',
      body: { text: 'Too late' },
    });
    expect(closed.status).toBe(409);
    expect(closed.json.error.code).toBe('window.closed');
    const empty = await call(s, 'POST', `/api/conversations/${id1}/messages`, {
      as: 'editor',
      body: { text: '   ' },
    });
    expect(empty.status).toBe(400);
    expect(empty.json.error.path).toEqual(['text']);
    const long = await call(s, 'POST', `/api/conversations/${id1}/messages`, {
      as: 'editor',
      body: { text: 'x'.repeat(4097) },
    });
    expect(long.status).toBe(400);
    const audit = await s.store.listAudit({ limit: 100 });
    const sent = audit.find((a) => a.action === 'conversation.operator_message');
    expect(sent).toMatchObject({
      actor: 'token:editor token',
      target: '1055:31600000001',
      details: { length: 14 },
    });
    expect(JSON.stringify(audit)).not.toContain('Hello from Sam');
  });
});

describe('contacts', () => {
  it('exports everything held about a contact, and audits who exported', async () => {
    const res = await call(s, 'GET', `/api/contacts/${id1}/export`, { as: 'editor' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    expect(res.json.contact).toMatchObject({ id: '1055:31600000001', name: 'Ana' });
    expect(res.json.conversations).toHaveLength(1);
    expect(res.json.transcripts).toHaveLength(2);
    const audit = await s.store.listAudit({ limit: 100 });
    expect(audit.find((a) => a.action === 'contact.export')).toMatchObject({ target: '1055:31600000001' });
    expect((await call(s, 'GET', '/api/contacts/1055%3A999/export', { as: 'editor' })).status).toBe(404);
  });

  it('erases a contact and everything about it', async () => {
    expect((await call(s, 'DELETE', `/api/contacts/${id1}`, { as: 'owner' })).status).toBe(204);
    expect((await call(s, 'GET', `/api/conversations/${id1}`, { as: 'viewer' })).status).toBe(404);
    expect((await call(s, 'GET', `/api/contacts/${id1}/export`, { as: 'owner' })).status).toBe(404);
    expect((await call(s, 'DELETE', `/api/contacts/${id1}`, { as: 'owner' })).status).toBe(404);
    const list = await call(s, 'GET', '/api/conversations', { as: 'viewer' });
    expect(list.json.total).toBe(1);
  });
});
