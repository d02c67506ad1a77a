import { describe, expect, it } from 'vitest';
import { buildFlow } from '../testing/buildFlow.js';
import { createTestRegistry } from '../testing/testNodes.js';
import { runFlowTest } from './runFlowTest.js';
import { durationMs, flowTestFileSchema } from './flowTestFileSchema.js';

const registry = createTestRegistry();
const flow = buildFlow({
  variables: [
    { name: 'body', type: 'string' },
    { name: 'failure', type: 'string' },
  ],
  nodes: [
    ['start', 'start'],
    [
      'pick',
      'choice',
      {
        question: 'Pick',
        options: [
          { id: 'x', title: 'Ex' },
          { id: 'y', title: 'Why' },
        ],
      },
    ],
    ['wait', 'delay', { amount: 1, unit: 'hours' }],
    ['fetch', 'test/fetch', { url: 'https://api.example.com/x' }],
    ['said', 'message', { text: 'Body {{body}}{{failure}}' }],
    ['tpl', 'template', { name: 'promo', language: 'en' }],
  ],
  edges: [
    ['start', 'next', 'pick'],
    ['pick', 'x', 'wait'],
    ['wait', 'next', 'fetch'],
    ['fetch', 'ok', 'said'],
    ['fetch', 'error', 'said'],
    ['pick', 'y', 'tpl'],
  ],
});

describe('runFlowTest', () => {
  it('passes when every turn matches; delays pass instantly and HTTP is mocked', async () => {
    const result = await runFlowTest(
      flow,
      {
        http: [{ url: '/x', body: 'pong' }],
        turns: [
          { user: 'hi', bot: [{ buttons: ['Ex', 'Why'], body: 'Pick' }], status: 'waiting', node: 'pick' },
          {
            user: { button: 'ex' },
            bot: [{ text: 'Body pong' }],
            vars: { 'choice.id': 'x', body: 'pong' },
            ended: true,
          },
        ],
      },
      registry,
    );
    expect(result).toMatchObject({ ok: true, cases: 1, turns: 2, failures: [] });
  });

  it('reports each mismatch with the turn, what was expected, what happened, and a diff', async () => {
    const result = await runFlowTest(
      flow,
      {
        cases: [
          {
            name: 'wrong',
            turns: [
              { user: 'hi', bot: [{ text: 'Hello' }] },
              {
                user: { button: 'Why' },
                bot: [{ template: 'other' }],
                vars: { 'choice.id': 'x' },
                handoff: true,
              },
            ],
          },
          { name: 'no such button', turns: [{ user: 'hi' }, { user: { list: 'Zed' } }] },
          {
            name: 'unmocked http',
            turns: [{ user: 'hi' }, { user: { button: 'x' }, bot: [{ textContains: 'no_mock' }] }],
          },
        ],
      },
      registry,
    );
    expect(result.ok).toBe(false);
    const byCase = (name: string) => result.failures.filter((failure) => failure.case === name);
    expect(byCase('wrong').map((failure) => failure.turn)).toEqual([1, 2, 2, 2]);
    expect(byCase('wrong')[0]!.diff).toBe('- {"text":"Hello"}\n+ {"buttons":["Ex","Why"],"body":"Pick"}');
    expect(byCase('wrong')[1]!.diff).toContain('+ {"template":"promo"}');
    expect(byCase('no such button')[0]!.diff).toBe('The bot never offered a list row "Zed".');
    expect(byCase('unmocked http')).toEqual([]);
  });

  it('refuses a malformed test file with the reasons', async () => {
    const result = await runFlowTest(flow, { turns: [{ user: { swipe: 1 } }], cases: [] }, registry);
    expect(result.ok).toBe(false);
    expect(result.failures[0]).toMatchObject({ case: 'file', turn: 0 });
    expect(
      flowTestFileSchema.safeParse({ turns: [{ user: 'hi', bot: [{ text: 'a', buttons: [] }] }] }).success,
    ).toBe(false);
  });

  it('lets time pass between turns and supports operator actions', async () => {
    const handoffFlow = buildFlow({
      nodes: [
        ['start', 'start'],
        ['human', 'handoff', { message: 'Wait for a person' }],
        ['back', 'message', { text: 'Back' }],
      ],
      edges: [
        ['start', 'next', 'human'],
        ['human', 'resumed', 'back'],
      ],
    });
    const result = await runFlowTest(
      handoffFlow,
      {
        turns: [
          { user: 'hi', handoff: true },
          { after: '2h', bot: [] },
          { operator: 'release', bot: [{ text: 'Back' }], ended: true },
        ],
      },
      registry,
    );
    expect(result.failures).toEqual([]);
    expect([durationMs('90s'), durationMs('10m'), durationMs('1d'), durationMs(5)]).toEqual([
      90_000, 600_000, 86_400_000, 5,
    ]);
  });
});
