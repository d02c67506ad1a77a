import { describe, expect, it } from 'vitest';
import { configIssuesOf, portsOf, runNodeForTest } from '../testing.js';
import { set } from './set.js';

describe('set', () => {
  it('parses defaults and leaves by next', async () => {
    expect(configIssuesOf(set)).toEqual([]);
    expect(portsOf(set).map((port) => port.id)).toEqual(['next']);
    expect((await runNodeForTest(set)).result).toEqual({ set: { status: '' }, next: { port: 'next' } });
  });

  it('sets templated values with types, clears and increments in order', async () => {
    const { result } = await runNodeForTest(set, {
      config: {
        operations: [
          { op: 'set', variable: 'greeting', value: 'Hi {{name}}' },
          { op: 'set', variable: 'total', value: '{{price}}', as: 'number' },
          { op: 'set', variable: 'vip', value: 'yes', as: 'boolean' },
          { op: 'set', variable: 'cart', value: '{"items":[]}', as: 'json' },
          { op: 'clear', variable: 'old' },
          { op: 'increment', variable: 'visits' },
          { op: 'increment', variable: 'visits', by: 2 },
          { op: 'increment', variable: 'fresh', by: -1 },
        ],
      },
      vars: { name: 'Ada', price: '12.5', old: 'x', visits: 3 },
    });
    expect(result.set).toEqual({
      greeting: 'Hi Ada',
      total: 12.5,
      vip: true,
      cart: { items: [] },
      old: null,
      visits: 6,
      fresh: -1,
    });
    expect(
      set.variablesSet?.(
        set.config.parse({
          operations: [
            { op: 'clear', variable: 'a' },
            { op: 'increment', variable: 'a' },
          ],
        }),
      ),
    ).toEqual(['a']);
  });

  it('stores null for a number that does not parse', async () => {
    const { result } = await runNodeForTest(set, {
      config: { operations: [{ op: 'set', variable: 'n', value: 'abc', as: 'number' }] },
    });
    expect(result.set).toEqual({ n: null });
  });

  it('rejects invalid JSON, bad variable names and empty change lists', () => {
    expect(
      configIssuesOf(set, { operations: [{ op: 'set', variable: 'a', value: '{oops', as: 'json' }] }),
    ).toEqual([{ path: ['operations', 0, 'value'], message: 'This is not valid JSON', severity: 'error' }]);
    expect(configIssuesOf(set, { operations: [{ op: 'clear', variable: 'my var' }] })[0]?.path).toEqual([
      'operations',
      0,
      'variable',
    ]);
    expect(configIssuesOf(set, { operations: [] })[0]?.message).toBe('Add at least one change');
  });
});
