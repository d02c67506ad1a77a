import { describe, expect, it } from 'vitest';
import { buildFlow } from '../testing/buildFlow.js';
import { createTestRegistry } from '../testing/testNodes.js';
import { createFlowDriver } from '../flowTest/createFlowDriver.js';
import { createEngine } from './createEngine.js';
import { createMemoryEngineStore } from '../memory/createMemoryEngineStore.js';

const registry = createTestRegistry();
const texts = (messages: Array<{ type: string }>) =>
  messages.map((m) => ('text' in m ? m.text : 'body' in m ? m.body : m.type));

const pizza = buildFlow({
  variables: [
    { name: 'size', type: 'string', default: 'medium' },
    { name: 'missing', type: 'string' },
  ],
  nodes: [
    ['start', 'start'],
    ['hello', 'message', { text: 'Hi {{contact.name | "friend"}}! You said "{{message.text}}".' }],
    [
      'pick',
      'choice',
      {
        question: 'Pizza?',
        options: [
          { id: 'margherita', title: 'Margherita' },
          { id: 'funghi', title: 'Funghi' },
        ],
      },
    ],
    ['yes', 'message', { text: 'You chose {{choice.title}} ({{size}}), {{missing}}.' }],
    ['sorry', 'message', { text: 'Sorry, no match.' }],
  ],
  edges: [
    ['start', 'next', 'hello'],
    ['hello', 'next', 'pick'],
    ['pick', 'margherita', 'yes'],
    ['pick', 'funghi', 'yes'],
    ['pick', 'fallback', 'sorry'],
  ],
});

describe('Engine.handle — compiled node behaviour', () => {
  it('runs speaking nodes on entry and stops at a question', async () => {
    const driver = await createFlowDriver({ registry, flow: pizza });
    const step = await driver.send({ type: 'text', text: 'hello' });
    expect(texts(step.messages)).toEqual(['Hi Ada! You said "hello".', 'Pizza?']);
    const conversation = await driver.conversation();
    expect(conversation).toMatchObject({
      status: 'waiting',
      nodeId: 'pick',
      flowVersion: 1,
      vars: { size: 'medium' },
    });
  });

  it.each([
    [
      'a button reply by id',
      { type: 'button_reply', buttonId: 'funghi', title: 'Funghi' },
      'You chose Funghi (medium), .',
    ],
    [
      'a list reply by id',
      { type: 'list_reply', rowId: 'margherita', title: 'Margherita' },
      'You chose Margherita (medium), .',
    ],
    ['the title typed', { type: 'text', text: '  margherita ' }, 'You chose Margherita (medium), .'],
    ['the number typed', { type: 'text', text: '2' }, 'You chose Funghi (medium), .'],
    ['anything else', { type: 'text', text: 'pepperoni' }, 'Sorry, no match.'],
    ['a location', { type: 'location', latitude: 1, longitude: 2 }, 'Sorry, no match.'],
  ] as const)('matches %s', async (_name, input, expected) => {
    const driver = await createFlowDriver({ registry, flow: pizza });
    await driver.send({ type: 'text', text: 'hi' });
    const step = await driver.send(input as never);
    expect(texts(step.messages)).toEqual([expected]);
    expect((await driver.conversation())?.status).toBe('ended');
  });

  it('renders missing variables as empty text, never "undefined"', async () => {
    const driver = await createFlowDriver({ registry, flow: pizza, contact: { waId: '31600000001' } });
    const step = await driver.send({ type: 'text', text: 'x' });
    expect(texts(step.messages)[0]).toBe('Hi friend! You said "x".');
    const next = await driver.send({ type: 'text', text: '1' });
    expect(JSON.stringify(next.messages)).not.toContain('undefined');
  });

  it('hands an async (HTTP) node its ok and error ports', async () => {
    const flow = buildFlow({
      variables: [
        { name: 'body', type: 'string' },
        { name: 'failure', type: 'string' },
      ],
      nodes: [
        ['start', 'start'],
        ['get', 'test/fetch', { url: 'https://api.example.com/{{message.text}}' }],
        ['ok', 'message', { text: 'Got {{body}}' }],
        ['bad', 'message', { text: 'Failed: {{failure}}' }],
      ],
      edges: [
        ['start', 'next', 'get'],
        ['get', 'ok', 'ok'],
        ['get', 'error', 'bad'],
      ],
    });
    const urls: string[] = [];
    const http = {
      request: async (request: { url: string }) => {
        urls.push(request.url);
        return request.url.endsWith('good')
          ? { ok: true as const, status: 200, headers: {}, body: 'pong' }
          : { ok: false as const, error: { code: 'timeout', message: 'too slow' } };
      },
    };
    const good = await createFlowDriver({ registry, flow, http });
    expect(texts((await good.send({ type: 'text', text: 'good' })).messages)).toEqual(['Got pong']);
    const bad = await createFlowDriver({ registry, flow, http });
    expect(texts((await bad.send({ type: 'text', text: 'bad' })).messages)).toEqual(['Failed: timeout']);
    expect(urls).toEqual(['https://api.example.com/good', 'https://api.example.com/bad']);
  });

  it('stops a loop at the step limit, parks the conversation, and the next message restarts it', async () => {
    const flow = buildFlow({
      nodes: [
        ['start', 'start'],
        ['a', 'set', { operations: [{ op: 'increment', variable: 'n', by: 1 }] }],
        // The linter cannot see this jump (the node declares no jump targets): only the step limit stops it.
        ['b', 'test/raw', { result: { next: { goto: { nodeId: 'a' } } } }],
      ],
      edges: [
        ['start', 'next', 'a'],
        ['a', 'next', 'b'],
      ],
    });
    const driver = await createFlowDriver({ registry, flow, stepLimit: 50 });
    const step = await driver.send({ type: 'text', text: 'go' });
    expect(step.transcript.find((entry) => entry.code === 'flow.step_limit')).toMatchObject({
      direction: 'error',
    });
    const parked = await driver.conversation();
    expect(parked?.status).toBe('parked');
    const again = await driver.send({ type: 'text', text: 'again' });
    expect(again.transcript.some((entry) => entry.code === 'conversation.started')).toBe(true);
  });

  it('follows the error port when an executor throws, or parks with an error entry', async () => {
    const withPort = buildFlow({
      nodes: [
        ['start', 'start'],
        ['boom', 'test/boom'],
        ['after', 'message', { text: 'recovered' }],
      ],
      edges: [
        ['start', 'next', 'boom'],
        ['boom', 'error', 'after'],
      ],
    });
    const recovered = await createFlowDriver({ registry, flow: withPort });
    const step = await recovered.send({ type: 'text', text: 'x' });
    expect(texts(step.messages)).toEqual(['recovered']);
    expect(
      step.transcript.some((entry) => entry.code === 'node.error_port' && entry.text?.includes('kaboom')),
    ).toBe(true);

    const withoutPort = buildFlow({
      nodes: [
        ['start', 'start'],
        ['boom', 'test/boom'],
      ],
      edges: [['start', 'next', 'boom']],
    });
    const parked = await createFlowDriver({ registry, flow: withoutPort });
    const failed = await parked.send({ type: 'text', text: 'x' });
    expect(failed.transcript.find((entry) => entry.code === 'node.failed')).toMatchObject({
      direction: 'error',
      nodeId: 'boom',
    });
    expect((await parked.conversation())?.status).toBe('parked');
  });

  it('writes an invalid outbound message and an unknown port as error entries, not crashes', async () => {
    const flow = buildFlow({
      nodes: [
        ['start', 'start'],
        [
          'bad-message',
          'test/raw',
          {
            result: {
              messages: [
                { type: 'text', text: '' },
                { type: 'text', text: 'ok' },
              ],
              next: { port: 'next' },
            },
          },
        ],
        ['bad-port', 'test/raw', { result: { next: { port: 'nowhere' } } }],
      ],
      edges: [
        ['start', 'next', 'bad-message'],
        ['bad-message', 'next', 'bad-port'],
      ],
    });
    const driver = await createFlowDriver({ registry, flow });
    const step = await driver.send({ type: 'text', text: 'x' });
    expect(texts(step.messages)).toEqual(['ok']);
    expect(step.transcript.map((entry) => entry.code)).toEqual(
      expect.arrayContaining(['node.invalid_message', 'node.bad_result']),
    );
    expect((await driver.conversation())?.status).toBe('parked');
  });

  it('records a missing flow as an error entry', async () => {
    const store = createMemoryEngineStore();
    store.saveBot({ id: 'bot', phoneNumberId: '1', flowId: 'nope', flowVersion: 'latest' });
    const engine = createEngine({
      store,
      registry,
      clock: { now: () => 5 },
      http: { request: async () => ({ ok: false, error: { code: 'x', message: 'x' } }) },
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const { commit } = await engine.handle(
      {
        type: 'user.message',
        key: { phoneNumberId: '1', userId: 'u' },
        contact: {},
        message: { type: 'text', id: 'w1', timestamp: 1, text: 'hi' },
      },
      { inboxId: 'w1' },
    );
    expect(commit.conversation?.status).toBe('parked');
    expect(commit.transcript.find((entry) => entry.direction === 'error')?.code).toBe('flow.not_found');
    expect(commit.inboxDone).toEqual(['w1']);
    expect((await store.commit(commit)).ok).toBe(true);
  });

  it('never throws, even when the store fails', async () => {
    const store = createMemoryEngineStore();
    const broken = {
      ...store,
      getContact: async () => {
        throw new Error('disk on fire');
      },
    };
    const errors: string[] = [];
    const engine = createEngine({
      store: broken,
      registry,
      clock: { now: () => 5 },
      http: { request: async () => ({ ok: false, error: { code: 'x', message: 'x' } }) },
      log: { debug() {}, info() {}, warn() {}, error: (message) => errors.push(message) },
    });
    const { commit } = await engine.handle(
      {
        type: 'user.message',
        key: { phoneNumberId: '1', userId: 'u' },
        contact: {},
        message: { type: 'text', id: 'w1', timestamp: 1, text: 'hi' },
      },
      { inboxId: 'w1' },
    );
    expect(commit).toMatchObject({ conversation: null, inboxDone: ['w1'], outbox: [] });
    expect(errors).toHaveLength(1);
  });

  it('numbers outbox rows per conversation and marks the inbox row done', async () => {
    const driver = await createFlowDriver({ registry, flow: pizza });
    await driver.send({ type: 'text', text: 'a' });
    await driver.send({ type: 'text', text: '1' });
    const rows = driver.store.listOutbox(driver.conversationId);
    expect(rows.map((row) => row.seq)).toEqual([0, 1, 2]);
    expect(rows.every((row) => row.status === 'pending' && row.recipient === driver.key.userId)).toBe(true);
  });
});
