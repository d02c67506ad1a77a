import { describe, expect, it } from 'vitest';
import type { FlowDocumentInput } from '@parley/flow';
import { buildFlow, type FlowSketch } from '../testing/buildFlow.js';
import { createTestRegistry } from '../testing/testNodes.js';
import { createFlowDriver } from '../flowTest/createFlowDriver.js';
import { createKeyedSerialQueue } from '../queue/createKeyedSerialQueue.js';
import { createEngine } from './createEngine.js';

const registry = createTestRegistry();
const texts = (messages: Array<{ type: string }>) =>
  messages.map((m) => ('text' in m ? m.text : 'body' in m ? m.body : m.type));
const codes = (entries: Array<{ code?: string }>) => entries.map((entry) => entry.code).filter(Boolean);

function menuFlow(settings: FlowDocumentInput['settings'] = {}, extra: Partial<FlowSketch> = {}) {
  return buildFlow({
    settings,
    nodes: [
      ['start', 'start'],
      [
        'menu',
        'choice',
        {
          question: 'Menu?',
          options: [
            { id: 'a', title: 'Alpha' },
            { id: 'b', title: 'Beta' },
          ],
        },
      ],
      [
        'size',
        'choice',
        {
          question: 'Size?',
          options: [
            { id: 's', title: 'Small' },
            { id: 'l', title: 'Large' },
          ],
        },
      ],
      ['alpha', 'message', { text: 'Alpha it is.' }],
      ['done', 'message', { text: 'Size {{choice.title}}.' }],
      ['help', 'message', { text: 'Here is some help.' }],
      ...(extra.nodes ?? []),
    ],
    edges: [
      ['start', 'next', 'menu'],
      ['menu', 'a', 'alpha'],
      ['menu', 'b', 'size'],
      ['size', 's', 'done'],
      ['size', 'l', 'done'],
      ...(extra.edges ?? []),
    ],
  });
}

describe('versions', () => {
  it('finishes a conversation on the version it started on (pinned)', async () => {
    const v1 = menuFlow();
    const driver = await createFlowDriver({ registry, flow: v1 });
    await driver.send({ type: 'text', text: 'hi' });
    const v2 = {
      ...v1,
      nodes: v1.nodes.map((node) => (node.id === 'alpha' ? { ...node, data: { text: 'Alpha v2.' } } : node)),
    };
    await driver.publish(v2);
    expect(texts((await driver.send({ type: 'text', text: 'Alpha' })).messages)).toEqual(['Alpha it is.']);
    expect((await driver.conversation())?.flowVersion).toBe(1);
    const next = await driver.send({ type: 'text', text: 'again' });
    expect(texts(next.messages)).toEqual(['Menu?']);
    expect((await driver.conversation())?.flowVersion).toBe(2);
  });

  it('moves to the newest version at the next input when policy is latest and the node still exists', async () => {
    const v1 = menuFlow({ versionPolicy: 'latest' });
    const driver = await createFlowDriver({ registry, flow: v1 });
    await driver.send({ type: 'text', text: 'hi' });
    const v2 = {
      ...v1,
      nodes: v1.nodes.map((node) => (node.id === 'alpha' ? { ...node, data: { text: 'Alpha v2.' } } : node)),
    };
    await driver.publish(v2);
    const step = await driver.send({ type: 'text', text: 'Alpha' });
    expect(texts(step.messages)).toEqual(['Alpha v2.']);
    expect(codes(step.transcript)).toContain('flow.version_moved');
  });

  it('stays on its version under policy latest when its node is gone', async () => {
    const v1 = menuFlow({ versionPolicy: 'latest' });
    const driver = await createFlowDriver({ registry, flow: v1 });
    await driver.send({ type: 'text', text: 'hi' });
    const v2 = buildFlow({
      settings: { versionPolicy: 'latest' },
      nodes: [
        ['start', 'start'],
        ['other', 'message', { text: 'v2' }],
      ],
      edges: [['start', 'next', 'other']],
    });
    await driver.publish(v2);
    expect(texts((await driver.send({ type: 'text', text: 'Alpha' })).messages)).toEqual(['Alpha it is.']);
  });

  it('restarts a conversation whose version no longer exists, with a transcript entry', async () => {
    const v1 = menuFlow();
    const driver = await createFlowDriver({ registry, flow: v1 });
    await driver.send({ type: 'text', text: 'hi' });
    await driver.publish({ ...v1, name: 'Renamed' });
    driver.store.deleteFlowVersion(v1.id, 1);
    const step = await driver.send({ type: 'text', text: 'Alpha' });
    expect(codes(step.transcript)).toEqual(
      expect.arrayContaining(['flow.version_missing', 'conversation.started']),
    );
    expect(texts(step.messages)).toEqual(['Menu?']);
    expect((await driver.conversation())?.flowVersion).toBe(2);
  });
});

describe('global keywords', () => {
  const settings = {
    globalKeywords: [
      { keywords: ['reset'], action: 'restart' as const },
      { keywords: ['help', '?'], action: 'visit' as const, nodeId: 'help' },
      { keywords: ['alpha now'], action: 'goto' as const, nodeId: 'alpha' },
    ],
  };

  it('restarts from anywhere', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow(settings) });
    await driver.send({ type: 'text', text: 'hi' });
    await driver.send({ type: 'text', text: 'Beta' });
    const step = await driver.send({ type: 'text', text: ' RESET ' });
    expect(texts(step.messages)).toEqual(['Menu?']);
    expect(codes(step.transcript)).toContain('keyword.matched');
  });

  it('visits a node and returns to the question the user was on', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow(settings) });
    await driver.send({ type: 'text', text: 'hi' });
    await driver.send({ type: 'text', text: 'Beta' });
    const step = await driver.send({ type: 'text', text: 'Help' });
    expect(texts(step.messages)).toEqual(['Here is some help.', 'Size?']);
    expect(await driver.conversation()).toMatchObject({ status: 'waiting', nodeId: 'size' });
    expect(texts((await driver.send({ type: 'text', text: 'large' })).messages)).toEqual(['Size Large.']);
  });

  it('jumps to a node', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow(settings) });
    await driver.send({ type: 'text', text: 'hi' });
    expect(texts((await driver.send({ type: 'text', text: 'alpha now' })).messages)).toEqual([
      'Alpha it is.',
    ]);
  });
});

describe('stale replies', () => {
  it('handles a tap on an older question as fallback by default', async () => {
    const flow = menuFlow(
      {},
      {
        nodes: [['lost', 'message', { text: 'Pick a size please.' }]],
        edges: [['size', 'fallback', 'lost']],
      },
    );
    const driver = await createFlowDriver({ registry, flow });
    await driver.send({ type: 'text', text: 'hi' });
    await driver.send({ type: 'button_reply', buttonId: 'b', title: 'Beta' });
    const step = await driver.send({ type: 'button_reply', buttonId: 'a', title: 'Alpha' });
    expect(texts(step.messages)).toEqual(['Pick a size please.']);
    expect(codes(step.transcript)).toContain('input.stale_reply');
  });

  it('jumps to the old question’s branch when the flow allows it', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow({ staleReply: 'jump' }) });
    await driver.send({ type: 'text', text: 'hi' });
    await driver.send({ type: 'button_reply', buttonId: 'b', title: 'Beta' });
    const step = await driver.send({ type: 'button_reply', buttonId: 'a', title: 'Alpha' });
    expect(texts(step.messages)).toEqual(['Alpha it is.']);
  });
});

describe('opt-out', () => {
  it('stops sending after STOP until START, and records both', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    await driver.send({ type: 'text', text: 'hi' });
    const stop = await driver.send({ type: 'text', text: 'stop' });
    expect(stop.messages).toEqual([]);
    expect(codes(stop.transcript)).toContain('contact.opted_out');
    const ignored = await driver.send({ type: 'text', text: 'Alpha' });
    expect(ignored.messages).toEqual([]);
    expect(codes(ignored.transcript)).toContain('contact.opted_out_ignored');
    const start = await driver.send({ type: 'text', text: 'START' });
    expect(codes(start.transcript)).toContain('contact.opted_in');
    expect(texts(start.messages)).toEqual(['Menu?']);
  });

  it('suppresses what a running delay would send after STOP, and says why', async () => {
    const flow = buildFlow({
      nodes: [
        ['start', 'start'],
        ['wait', 'delay', { amount: 1, unit: 'minutes' }],
        ['later', 'message', { text: 'A minute later.' }],
        ['tpl', 'template', { name: 'promo', language: 'en' }],
      ],
      edges: [
        ['start', 'next', 'wait'],
        ['wait', 'next', 'later'],
        ['later', 'next', 'tpl'],
      ],
    });
    const driver = await createFlowDriver({ registry, flow });
    await driver.send({ type: 'text', text: 'hi' });
    await driver.send({ type: 'text', text: 'STOP' });
    const fired = await driver.advance(60_000);
    expect(fired.messages.map((message) => message.type)).toEqual(['template']);
    expect(fired.transcript.find((entry) => entry.code === 'optout.suppressed')).toMatchObject({
      nodeId: 'later',
      direction: 'error',
    });
  });

  it('uses the configured words', async () => {
    const driver = await createFlowDriver({
      registry,
      flow: menuFlow({ optOut: { stopWords: ['basta'], startWords: ['hola'] } }),
    });
    await driver.send({ type: 'text', text: 'hi' });
    expect((await driver.send({ type: 'text', text: 'STOP' })).messages).toEqual([]);
    expect(codes((await driver.send({ type: 'text', text: 'basta' })).transcript)).toContain(
      'contact.opted_out',
    );
    expect(texts((await driver.send({ type: 'text', text: 'hola' })).messages)).toEqual(['Menu?']);
  });
});

describe('bursts', () => {
  it('joins text messages within the window into one input (fake clock)', async () => {
    const flow = buildFlow({
      settings: { coalesceMs: 1500 },
      nodes: [
        ['start', 'start'],
        ['ask', 'ask', { question: 'Your name?', variable: 'name' }],
        ['hi', 'message', { text: 'Hello {{name}}' }],
      ],
      edges: [
        ['start', 'next', 'ask'],
        ['ask', 'next', 'hi'],
      ],
    });
    const driver = await createFlowDriver({ registry, flow });
    expect((await driver.send({ type: 'text', text: 'hi' })).messages).toEqual([]);
    expect(texts((await driver.advance(1500)).messages)).toEqual(['Your name?']);
    await driver.send({ type: 'text', text: 'Ada' });
    await driver.advance(1000);
    await driver.send({ type: 'text', text: 'Lovelace' });
    expect((await driver.advance(1000)).messages).toEqual([]);
    expect(texts((await driver.advance(500)).messages)).toEqual(['Hello Ada\nLovelace']);
  });

  it('is off by default', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    expect(texts((await driver.send({ type: 'text', text: 'hi' })).messages)).toEqual(['Menu?']);
  });
});

describe('inactivity', () => {
  it('expires a conversation that waits longer than the timeout; the next message starts fresh', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow({ inactivityTimeoutMinutes: 60 }) });
    await driver.send({ type: 'text', text: 'hi' });
    await driver.send({ type: 'text', text: 'Beta' });
    const expired = await driver.advance(60 * 60_000);
    expect(codes(expired.transcript)).toContain('conversation.expired');
    expect((await driver.conversation())?.status).toBe('ended');
    expect(texts((await driver.send({ type: 'text', text: 'Small' })).messages)).toEqual(['Menu?']);
  });

  it('expires lazily when the timer has not fired yet', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow({ inactivityTimeoutMinutes: 1 }) });
    await driver.send({ type: 'text', text: 'hi' });
    driver.setNow(driver.now() + 120_000);
    const step = await driver.send({ type: 'text', text: 'Alpha' });
    expect(codes(step.transcript)).toContain('conversation.expired');
    expect(texts(step.messages)).toEqual(['Menu?']);
  });
});

describe('idempotency, ordering, the service window', () => {
  it('answers the same wamid once', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    const message = { type: 'text' as const, id: 'wamid.same', timestamp: 1, text: 'hi' };
    expect(texts((await driver.deliver(message)).messages)).toEqual(['Menu?']);
    const again = await driver.deliver(message);
    expect(again.messages).toEqual([]);
    expect(codes(again.transcript)).toEqual(['input.duplicate']);
  });

  it('processes two messages of one user in order, others in parallel', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    const queue = createKeyedSerialQueue();
    const results = await Promise.all([
      queue.run(driver.conversationId, () => driver.send({ type: 'text', text: 'hi' })),
      queue.run(driver.conversationId, () => driver.send({ type: 'text', text: 'Alpha' })),
    ]);
    expect(results.map((step) => texts(step.messages))).toEqual([['Menu?'], ['Alpha it is.']]);
  });

  it('does not send a non-template message outside the 24-hour window, and says why', async () => {
    const flow = buildFlow({
      nodes: [
        ['start', 'start'],
        ['wait', 'delay', { amount: 2, unit: 'days' }],
        ['late', 'message', { text: 'Still there?' }],
        ['tpl', 'template', { name: 'reminder', language: 'en' }],
      ],
      edges: [
        ['start', 'next', 'wait'],
        ['wait', 'next', 'late'],
        ['late', 'next', 'tpl'],
      ],
    });
    const driver = await createFlowDriver({ registry, flow });
    await driver.send({ type: 'text', text: 'hi' });
    const step = await driver.advance(2 * 24 * 3_600_000);
    expect(step.messages.map((message) => message.type)).toEqual(['template']);
    expect(step.transcript.find((entry) => entry.code === 'window.closed')).toMatchObject({
      direction: 'error',
      nodeId: 'late',
    });
  });

  it('reports a conflict to the caller, who retries', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    const engine = createEngine({
      store: driver.store,
      registry,
      clock: { now: driver.now },
      http: { request: async () => ({ ok: false, error: { code: 'x', message: 'x' } }) },
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const event = {
      type: 'user.message' as const,
      key: driver.key,
      contact: {},
      message: { type: 'text' as const, id: 'w-1', timestamp: 1, text: 'hi' },
    };
    const first = await engine.handle(event);
    await driver.send({ type: 'text', text: 'meanwhile' });
    expect(await driver.store.commit(first.commit)).toEqual({ ok: false, reason: 'conflict' });
  });
});
