import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../http/testing/apiClient.js';
import { recordingPreview } from '../http/testing/recordingPreview.js';
import { goodFlow, startTestServer, type TestServer } from '../http/testing/startTestServer.js';

let s: TestServer;
let bare: TestServer;
const preview = recordingPreview();
beforeAll(async () => {
  s = await startTestServer({ preview });
  bare = await startTestServer();
});
afterAll(async () => {
  await s?.close();
  await bare?.close();
});

describe('preview', () => {
  it('runs a session: start, messages of each kind, events, restart, save as test, end', async () => {
    const created = await call(s, 'POST', '/api/preview/sessions', {
      as: 'editor',
      body: { flow: goodFlow(), startNodeId: 'greet' },
    });
    expect(created.status).toBe(201);
    const id = created.json.sessionId;
    for (const body of [
      { text: 'hi' },
      { buttonId: 'opt-1', title: 'Yes' },
      { rowId: 'row-1', title: 'Margherita' },
      { location: { latitude: 52.37, longitude: 4.9 } },
    ]) {
      expect(
        (await call(s, 'POST', `/api/preview/sessions/${id}/messages`, { as: 'editor', body })).status,
      ).toBe(202);
    }
    const events = await call(s, 'GET', `/api/preview/sessions/${id}/events?after=1`, { as: 'editor' });
    expect(events.json.events.map((e: { seq: number }) => e.seq)).toEqual([2, 3, 4]);
    expect(events.json.conversation.path).toEqual(['start', 'greet']);
    expect((await call(s, 'POST', `/api/preview/sessions/${id}/restart`, { as: 'editor' })).status).toBe(202);
    const saved = await call(s, 'POST', `/api/preview/sessions/${id}/save-test`, { as: 'editor' });
    expect(saved.json).toEqual({ path: 'flows/hello.test.json' });
    expect((await call(s, 'DELETE', `/api/preview/sessions/${id}`, { as: 'editor' })).status).toBe(204);
    expect((await call(s, 'POST', `/api/preview/sessions/${id}/restart`, { as: 'editor' })).status).toBe(404);
  });

  it('refuses bad input: a message that is none of the kinds, a bad location, a broken draft', async () => {
    const created = await call(s, 'POST', '/api/preview/sessions', {
      as: 'editor',
      body: { flow: goodFlow() },
    });
    const id = created.json.sessionId;
    const nothing = await call(s, 'POST', `/api/preview/sessions/${id}/messages`, {
      as: 'editor',
      body: { sticker: 'x' },
    });
    expect(nothing.status).toBe(400);
    const farAway = await call(s, 'POST', `/api/preview/sessions/${id}/messages`, {
      as: 'editor',
      body: { location: { latitude: 200, longitude: 0 } },
    });
    expect(farAway.status).toBe(400);
    const badAfter = await call(s, 'GET', `/api/preview/sessions/${id}/events?after=-1`, { as: 'editor' });
    expect(badAfter.status).toBe(400);
    expect(badAfter.json.error.path).toEqual(['after']);
    const draft = await call(s, 'POST', '/api/preview/sessions', {
      as: 'editor',
      body: { flow: { id: 'x' } },
    });
    expect(draft.status).toBe(400);
    expect(draft.json.error.path[0]).toBe('flow');
  });

  it('is 503 when the server has no preview service', async () => {
    const res = await call(bare, 'POST', '/api/preview/sessions', {
      as: 'editor',
      body: { flow: goodFlow() },
    });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('preview.unavailable');
  });
});
