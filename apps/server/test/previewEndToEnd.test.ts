import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestFlows } from '../src/cli/testFlows.js';
import { callApi, repoRoot, type ApiAnswer } from './serverTestKit.js';
import { startTestParley, type TestParley } from './startTestParley.js';

const FLOW_ID = 'preview-demo';

interface PreviewEvent {
  seq: number;
  kind: string;
  message?: { type?: string; text?: string; body?: string; buttons?: Array<{ id: string; title: string }> };
  nodeId?: string;
}

describe('the preview service end to end, through the REST API with a logged-in editor', () => {
  let parley: TestParley;
  let session: { cookie: string; csrf: string };
  let draft: Record<string, unknown>;

  /** A browser-like call: the session cookie plus the CSRF header on unsafe methods. */
  const browser = (method: string, apiPath: string, body?: unknown): Promise<ApiAnswer> =>
    callApi(parley.url, method, apiPath, {
      token: null,
      body,
      headers: { cookie: session.cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': session.csrf }) },
    });

  /** Long-polls until `count` bot bubbles after `after` have arrived. */
  const botEvents = async (id: string, after: number, count: number) => {
    const seen: PreviewEvent[] = [];
    let cursor = after;
    const deadline = Date.now() + 15_000;
    let conversation: { status: string; nodeId: string | null; path: string[] } | undefined;
    while (seen.filter((e) => e.kind === 'bot').length < count) {
      if (Date.now() > deadline) throw new Error(`only ${JSON.stringify(seen)} after 15 s`);
      const res = await browser('GET', `/api/preview/sessions/${id}/events?after=${cursor}`);
      expect(res.status).toBe(200);
      for (const event of res.json.events as PreviewEvent[]) {
        seen.push(event);
        cursor = Math.max(cursor, event.seq);
      }
      conversation = res.json.conversation;
    }
    return { seen, bots: seen.filter((e) => e.kind === 'bot'), cursor, conversation: conversation! };
  };

  beforeAll(async () => {
    parley = await startTestParley();
    const welcome = JSON.parse(await readFile(path.join(repoRoot, 'flows/welcome.json'), 'utf8'));
    draft = { ...welcome, id: FLOW_ID, name: 'Preview demo' };
    const created = await callApi(parley.url, 'POST', '/api/flows', {
      token: parley.adminToken,
      body: { id: FLOW_ID, name: 'Preview demo', document: draft },
    });
    expect(created.status).toBe(201);
    const user = await callApi(parley.url, 'POST', '/api/users', {
      token: parley.adminToken,
      body: { email: 'ed@example.com', password: 'a long editor password 42', role: 'editor' },
    });
    expect(user.status).toBe(201);
    const login = await callApi(parley.url, 'POST', '/api/auth/login', {
      token: null,
      body: { email: 'ed@example.com', password: 'a long editor password 42' },
    });
    expect(login.status).toBe(200);
    session = {
      cookie: login.headers.get('set-cookie')!.split(';')[0]!,
      csrf: login.json.csrfToken,
    };
  });
  afterAll(async () => parley?.stop());

  it('refuses anonymous callers, viewers, and cookie calls without the CSRF header', async () => {
    const anonymous = await callApi(parley.url, 'POST', '/api/preview/sessions', {
      token: null,
      body: { flow: draft },
    });
    expect(anonymous.status).toBe(401);
    const viewer = await callApi(parley.url, 'POST', '/api/tokens', {
      token: parley.adminToken,
      body: { name: 'viewer', role: 'viewer' },
    });
    const asViewer = await callApi(parley.url, 'POST', '/api/preview/sessions', {
      token: viewer.json.token,
      body: { flow: draft },
    });
    expect(asViewer.status).toBe(403);
    const noCsrf = await callApi(parley.url, 'POST', '/api/preview/sessions', {
      token: null,
      body: { flow: draft },
      headers: { cookie: session.cookie },
    });
    expect(noCsrf.status).toBe(403);
  });

  it('chats with the draft: text, a button tapped by id, bubbles with node ids, restart, start node, save as test', async () => {
    const created = await browser('POST', '/api/preview/sessions', { flow: draft });
    expect(created.status).toBe(201);
    const id = created.json.sessionId as string;

    expect((await browser('POST', `/api/preview/sessions/${id}/messages`, { text: 'hello' })).status).toBe(
      202,
    );
    const greeting = await botEvents(id, 0, 1);
    expect(greeting.bots[0]!.nodeId).toBe('greet');
    expect(greeting.bots[0]!.message?.type).toBe('buttons');
    expect(greeting.bots[0]!.message?.buttons?.map((b) => b.id)).toEqual([
      'opt-menu',
      'opt-hours',
      'opt-human',
    ]);
    expect(greeting.conversation.nodeId).toBe('greet');

    const tap = await browser('POST', `/api/preview/sessions/${id}/messages`, {
      buttonId: 'opt-hours',
      title: 'Opening hours',
    });
    expect(tap.status).toBe(202);
    const answer = await botEvents(id, greeting.cursor, 2);
    expect(answer.bots.map((b) => [b.nodeId, b.message?.text])).toEqual([
      ['hours', '🕑 We are open every day from 11:00 to 23:00.'],
      ['bye', 'Anything else? Just send me a message. 👋'],
    ]);
    expect(answer.conversation.path).toEqual(['start', 'greet', 'hours', 'bye']);

    // Saved as a transcript test, the chat passes `npm run test:flows` against the saved flow…
    const saved = await browser('POST', `/api/preview/sessions/${id}/save-test`);
    expect(saved.status).toBe(201);
    expect(saved.json).toEqual({ path: `flows/${FLOW_ID}.test.json` });
    const testFile = path.join(parley.flowsDir, `${FLOW_ID}.test.json`);
    const lines: string[] = [];
    const run = () =>
      runTestFlows({
        args: [testFile],
        cwd: repoRoot,
        env: {},
        out: (l) => lines.push(l),
        err: (l) => lines.push(l),
      });
    expect(await run(), lines.join('\n')).toBe(0);
    // …and fails once the flow says something else (the saved test really checks the words).
    const flowFile = path.join(parley.flowsDir, `${FLOW_ID}.json`);
    const changed = (await readFile(flowFile, 'utf8')).replace('11:00 to 23:00', '12:00 to 22:00');
    await writeFile(flowFile, changed);
    lines.length = 0;
    expect(await run()).toBe(1);

    // Restart: a fresh conversation from the start node, with no old events.
    expect((await browser('POST', `/api/preview/sessions/${id}/restart`)).status).toBe(202);
    expect((await browser('POST', `/api/preview/sessions/${id}/messages`, { text: 'hi again' })).status).toBe(
      202,
    );
    const again = await botEvents(id, 0, 1);
    // Only the new chat is there: its first event is the new message, its path starts afresh.
    expect(again.seen[0]).toMatchObject({ kind: 'user', message: { text: 'hi again' } });
    expect(again.bots.map((b) => b.nodeId)).toEqual(['greet']);
    expect(again.conversation.path).toEqual(['start', 'greet']);

    expect((await browser('DELETE', `/api/preview/sessions/${id}`)).status).toBe(204);
    expect((await browser('GET', `/api/preview/sessions/${id}/events?after=0`)).status).toBe(404);
  }, 60_000);

  it('starts from a selected node', async () => {
    const created = await browser('POST', '/api/preview/sessions', { flow: draft, startNodeId: 'menu' });
    expect(created.status).toBe(201);
    const id = created.json.sessionId as string;
    await browser('POST', `/api/preview/sessions/${id}/messages`, { text: 'anything' });
    const { bots } = await botEvents(id, 0, 2);
    expect(bots.map((b) => b.nodeId)).toEqual(['menu', 'bye']);
    expect(bots[0]!.message?.text).toContain('*Our menu*');
    // A test recorded mid-flow could never pass (tests run from the start): refused, nothing written.
    const saved = await browser('POST', `/api/preview/sessions/${id}/save-test`);
    expect(saved.status).toBe(409);
    expect(saved.json.error.code).toBe('preview.started_mid_flow');
  }, 30_000);

  it('long-polls: an events call with nothing new waits, and answers as soon as a bubble arrives', async () => {
    const created = await browser('POST', '/api/preview/sessions', { flow: draft });
    const id = created.json.sessionId as string;
    const startedAt = Date.now();
    const waiting = browser('GET', `/api/preview/sessions/${id}/events?after=0`);
    await new Promise((r) => setTimeout(r, 400));
    await browser('POST', `/api/preview/sessions/${id}/messages`, { text: 'hello' });
    const res = await waiting;
    const took = Date.now() - startedAt;
    expect(res.status).toBe(200);
    expect(res.json.events.length).toBeGreaterThan(0);
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(10_000);
  }, 30_000);

  it('adds a recording to hand-written tests instead of replacing them, and refuses a broken test file', async () => {
    const welcome = JSON.parse(await readFile(path.join(parley.flowsDir, 'welcome.json'), 'utf8'));
    const testFile = path.join(parley.flowsDir, 'welcome.test.json');
    const before = JSON.parse(await readFile(testFile, 'utf8')) as { cases: Array<{ name: string }> };
    const created = await browser('POST', '/api/preview/sessions', { flow: welcome });
    const id = created.json.sessionId as string;
    await browser('POST', `/api/preview/sessions/${id}/messages`, { text: 'hi' });
    await botEvents(id, 0, 1);
    const saved = await browser('POST', `/api/preview/sessions/${id}/save-test`);
    expect(saved.json).toEqual({ path: 'flows/welcome.test.json' });
    const after = JSON.parse(await readFile(testFile, 'utf8')) as { cases: Array<{ name: string }> };
    expect(after.cases.slice(0, -1)).toEqual(before.cases);
    expect(after.cases.at(-1)!.name).toBe('Recorded in the builder preview');
    const lines: string[] = [];
    const code = await runTestFlows({
      args: [testFile],
      cwd: repoRoot,
      env: {},
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    expect(code, lines.join('\n')).toBe(0);

    await writeFile(testFile, '{ not json');
    const refused = await browser('POST', `/api/preview/sessions/${id}/save-test`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('preview.test_file_unreadable');
    expect(await readFile(testFile, 'utf8')).toBe('{ not json');
  }, 30_000);
});
