import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { parseFlowJson } from '@parley/flow';
import { buildFlow } from '../testing/buildFlow.js';
import { createTestRegistry } from '../testing/testNodes.js';
import { createFlowDriver } from '../flowTest/createFlowDriver.js';
import { createEngine } from './createEngine.js';

const registry = createTestRegistry();
const texts = (messages: Array<{ type: string }>) =>
  messages.map((m) => ('text' in m ? m.text : 'body' in m ? m.body : m.type));
const codes = (entries: Array<{ code?: string }>) => entries.map((entry) => entry.code).filter(Boolean);
const menuFlow = () =>
  buildFlow({
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
      ['alpha', 'message', { text: 'Alpha it is.' }],
    ],
    edges: [
      ['start', 'next', 'menu'],
      ['menu', 'a', 'alpha'],
    ],
  });

describe('handoff', () => {
  const flow = buildFlow({
    nodes: [
      ['start', 'start'],
      ['human', 'handoff', { message: 'A person will answer.' }],
      ['back', 'message', { text: 'The bot is back.' }],
    ],
    edges: [
      ['start', 'next', 'human'],
      ['human', 'resumed', 'back'],
    ],
  });

  it('records messages without answering, and resumes on the resumed port when released', async () => {
    const driver = await createFlowDriver({ registry, flow });
    expect(texts((await driver.send({ type: 'text', text: 'hi' })).messages)).toEqual([
      'A person will answer.',
    ]);
    const quiet = await driver.send({ type: 'text', text: 'hello?' });
    expect(quiet.messages).toEqual([]);
    expect(codes(quiet.transcript)).toContain('handoff.message');
    const released = await driver.handle({ type: 'operator.release', key: driver.key, operator: 'eve' });
    expect(texts(released.messages)).toEqual(['The bot is back.']);
  });

  it('lets an operator take over and hand back to the question, and write within the window', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    await driver.send({ type: 'text', text: 'hi' });
    await driver.handle({ type: 'operator.handoff', key: driver.key });
    expect((await driver.send({ type: 'text', text: 'Alpha' })).messages).toEqual([]);
    expect(
      texts(
        (await driver.handle({ type: 'operator.message', key: driver.key, text: 'Hi, Eve here' })).messages,
      ),
    ).toEqual(['Hi, Eve here']);
    await driver.handle({ type: 'operator.release', key: driver.key });
    expect(await driver.conversation()).toMatchObject({ status: 'waiting', nodeId: 'menu' });
    expect(texts((await driver.send({ type: 'text', text: 'Alpha' })).messages)).toEqual(['Alpha it is.']);
  });

  it('resets on operator request', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    await driver.send({ type: 'text', text: 'hi' });
    const reset = await driver.handle({ type: 'operator.reset', key: driver.key });
    expect(codes(reset.transcript)).toContain('conversation.reset');
    expect(await driver.conversation()).toMatchObject({ status: 'ended', nodeId: null, vars: {} });
    expect(driver.store.listTimers(driver.conversationId)).toEqual([]);
  });
});

describe('durable timers', () => {
  const flow = buildFlow({
    nodes: [
      ['start', 'start'],
      ['wait', 'delay', { amount: 10, unit: 'minutes' }],
      ['later', 'message', { text: 'Ten minutes later.' }],
    ],
    edges: [
      ['start', 'next', 'wait'],
      ['wait', 'next', 'later'],
    ],
  });

  it('survives an engine restart and fires once', async () => {
    const driver = await createFlowDriver({ registry, flow });
    await driver.send({ type: 'text', text: 'hi' });
    expect(await driver.conversation()).toMatchObject({ status: 'sleeping', nodeId: 'wait' });
    const [timer] = driver.store.listTimers(driver.conversationId);
    expect(timer).toMatchObject({ purpose: 'delay', dueAt: driver.now() + 600_000 });
    driver.restartEngine();
    expect((await driver.advance(599_999)).messages).toEqual([]);
    expect(texts((await driver.advance(1)).messages)).toEqual(['Ten minutes later.']);
    expect((await driver.advance(3_600_000)).messages).toEqual([]);
    const stale = await driver.handle({
      type: 'timer.fired',
      key: driver.key,
      timerId: timer!.id,
      purpose: 'delay',
      dueAt: timer!.dueAt,
    });
    expect(stale.messages).toEqual([]);
  });

  it('ignores messages while a delay runs', async () => {
    const driver = await createFlowDriver({ registry, flow });
    await driver.send({ type: 'text', text: 'hi' });
    const step = await driver.send({ type: 'text', text: 'hello?' });
    expect(codes(step.transcript)).toContain('input.ignored');
  });
});

describe('jumping to another flow', () => {
  const other = buildFlow({
    id: 'other-flow',
    nodes: [
      ['start', 'start'],
      ['hi', 'message', { text: 'Now in the other flow, {{picked}}.' }],
    ],
    edges: [['start', 'next', 'hi']],
    variables: [{ name: 'picked', type: 'string' }],
  });
  const main = buildFlow({
    variables: [{ name: 'picked', type: 'string', default: 'kept' }],
    nodes: [
      ['start', 'start'],
      ['go', 'goto', { target: { kind: 'flow', flowId: 'other-flow' } }],
    ],
    edges: [['start', 'next', 'go']],
  });

  it('continues at the start of the other flow, keeping variables', async () => {
    const driver = await createFlowDriver({ registry, flow: main, otherFlows: [other] });
    expect(texts((await driver.send({ type: 'text', text: 'hi' })).messages)).toEqual([
      'Now in the other flow, kept.',
    ]);
    expect(await driver.conversation()).toMatchObject({ flowId: 'other-flow', status: 'ended' });
  });

  it('parks with an error entry when the other flow is not published', async () => {
    const driver = await createFlowDriver({ registry, flow: main });
    const step = await driver.send({ type: 'text', text: 'hi' });
    expect(step.transcript.find((entry) => entry.code === 'flow.goto_failed')).toMatchObject({
      direction: 'error',
    });
    expect((await driver.conversation())?.status).toBe('parked');
  });
});

describe('snapshot size', () => {
  it('stays under 2 KB through a whole pizza order', async () => {
    const parsed = parseFlowJson(
      await readFile(new URL('../../../../flows/pizza-order.json', import.meta.url), 'utf8'),
    );
    if (!parsed.ok) throw new Error('flows/pizza-order.json does not load');
    const driver = await createFlowDriver({ registry, flow: parsed.flow });
    const sizes: number[] = [];
    for (const input of [
      { type: 'text', text: 'pizza' },
      { type: 'list_reply', rowId: 'opt-veggie', title: 'Veggie' },
      { type: 'text', text: '3' },
      { type: 'text', text: 'Main Street 10' },
      { type: 'button_reply', buttonId: 'opt-confirm', title: 'Yes, order' },
    ] as const) {
      await driver.send(input as never);
      sizes.push(JSON.stringify((await driver.conversation())?.snapshot).length);
    }
    expect((await driver.conversation())?.status).toBe('ended');
    expect(Math.max(...sizes)).toBeLessThan(2048);
  });
});

describe('delivery statuses and operator messages', () => {
  it('records a status without advancing the flow', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    const first = await driver.send({ type: 'text', text: 'hi' });
    const before = await driver.conversation();
    const status = await driver.handle({
      type: 'message.status',
      key: driver.key,
      wamid: 'wamid.out',
      status: 'failed',
      timestamp: 1,
      callbackData: 'id-x',
      errors: [{ code: 131047, title: 'Re-engagement message' }],
    });
    expect(status.messages).toEqual([]);
    expect(status.transcript).toEqual([
      expect.objectContaining({
        code: 'message.status',
        status: 'failed',
        outboxId: 'id-x',
        direction: 'error',
        text: 'WhatsApp could not deliver a message: Re-engagement message',
      }),
    ]);
    expect(await driver.conversation()).toMatchObject({
      status: before?.status,
      nodeId: before?.nodeId,
      vars: before?.vars,
    });
    expect(first.messages).toHaveLength(1);
  });

  it('refuses an operator message outside the 24-hour window, with the reason', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    await driver.send({ type: 'text', text: 'hi' });
    driver.setNow(driver.now() + 25 * 3_600_000);
    const late = await driver.handle({ type: 'operator.message', key: driver.key, text: 'Still there?' });
    expect(late.messages).toEqual([]);
    expect(codes(late.transcript)).toEqual(['window.closed']);
  });
});

describe('starting at a chosen node (preview)', () => {
  it('starts a new conversation at the given node, and ignores a node the flow does not have', async () => {
    const driver = await createFlowDriver({ registry, flow: menuFlow() });
    const message = (id: string) => ({
      type: 'user.message' as const,
      key: driver.key,
      contact: {},
      message: { type: 'text' as const, id, timestamp: 1, text: 'hi' },
    });
    const engine = createEngine({
      store: driver.store,
      registry,
      clock: { now: driver.now },
      http: { request: async () => ({ ok: false, error: { code: 'x', message: 'x' } }) },
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const { commit } = await engine.handle(message('w1'), { startNodeId: 'alpha' });
    expect(commit.outbox.map((row) => row.message)).toEqual([{ type: 'text', text: 'Alpha it is.' }]);
    await driver.store.commit(commit);
    const other = await engine.handle(message('w2'), { startNodeId: 'ghost' });
    expect(other.commit.outbox.map((row) => row.message.type)).toEqual(['buttons']);
  });
});
