import { describe, expect, it } from 'vitest';
import { configIssuesOf, portsOf, runNodeForTest } from '../testing.js';
import { condition } from './condition.js';

const rule = (variable: string, operator: string, value = '', caseSensitive = false) => ({
  variable,
  operator,
  value,
  caseSensitive,
});
const config = {
  branches: [
    {
      id: 'big',
      label: 'Big order',
      join: 'all',
      rules: [rule('count', 'greater_than', '3'), rule('vip', 'is_set')],
    },
    {
      id: 'pizza',
      label: 'Pizza',
      join: 'any',
      rules: [rule('item', 'equals', 'opt-pizza'), rule('item', 'contains', 'pizza')],
    },
  ],
};

async function portFor(vars: Record<string, unknown>, data: unknown = config) {
  return (await runNodeForTest(condition, { config: data, vars })).result.next;
}

describe('condition', () => {
  it('parses defaults, with one port per branch plus else', () => {
    expect(configIssuesOf(condition)).toEqual([]);
    expect(portsOf(condition, config).map((port) => port.id)).toEqual(['big', 'pizza', 'else']);
  });

  it('takes the first branch whose rules match, joined by all or any', async () => {
    expect(await portFor({ count: 5, vip: true })).toEqual({ port: 'big' });
    expect(await portFor({ count: 5, item: { id: 'opt-pizza', title: 'Margherita' } })).toEqual({
      port: 'pizza',
    });
    expect(await portFor({ count: '2', item: 'Big PIZZA' })).toEqual({ port: 'pizza' });
    expect(await portFor({ count: 2 })).toEqual({ port: 'else' });
  });

  it('evaluates every operator', async () => {
    const check = async (r: ReturnType<typeof rule>, vars: Record<string, unknown>) =>
      JSON.stringify(await portFor(vars, { branches: [{ id: 'yes', label: 'Yes', rules: [r] }] })) ===
      '{"port":"yes"}';
    expect(await check(rule('a', 'equals', 'X'), { a: 'x' })).toBe(true);
    expect(await check(rule('a', 'equals', 'X', true), { a: 'x' })).toBe(false);
    expect(await check(rule('a', 'equals', '3'), { a: 3.0 })).toBe(true);
    expect(await check(rule('a', 'not_equals', 'x'), { a: 'y' })).toBe(true);
    expect(await check(rule('a', 'not_equals', 'x'), { a: 'X' })).toBe(false);
    expect(await check(rule('a', 'starts_with', 'ord'), { a: 'Order 1' })).toBe(true);
    expect(await check(rule('a', 'matches', '^\\d{3}$'), { a: '123' })).toBe(true);
    expect(await check(rule('a', 'matches', '(a+)+$'), { a: 'aaa' })).toBe(false);
    expect(await check(rule('a', 'less_than', '10'), { a: '9,5' })).toBe(true);
    expect(await check(rule('a', 'less_than', '10'), { a: 'nine' })).toBe(false);
    expect(await check(rule('a', 'is_empty'), { a: '  ' })).toBe(true);
    expect(await check(rule('a', 'is_empty'), {})).toBe(true);
    expect(await check(rule('a', 'is_set'), { a: [] })).toBe(false);
    expect(await check(rule('order.status', 'equals', 'shipped'), { order: { status: 'Shipped' } })).toBe(
      true,
    );
  });

  it('compares with templated values', async () => {
    const data = { branches: [{ id: 'same', label: 'Same', rules: [rule('a', 'equals', '{{b}}')] }] };
    expect(await portFor({ a: 'x', b: 'x' }, data)).toEqual({ port: 'same' });
    expect(await portFor({ a: 'x', b: 'y' }, data)).toEqual({ port: 'else' });
  });

  it('rejects unsafe patterns, non-numbers for comparisons, reserved and duplicate ids', () => {
    const one = (r: ReturnType<typeof rule>) => ({ branches: [{ id: 'b', label: 'B', rules: [r] }] });
    expect(configIssuesOf(condition, one(rule('a', 'matches', '(x*)*')))[0]).toMatchObject({
      path: ['branches', 0, 'rules', 0, 'value'],
      message: expect.stringContaining('repeats a group'),
    });
    expect(configIssuesOf(condition, one(rule('a', 'greater_than', 'ten')))[0]?.message).toBe(
      'Compare with a number here',
    );
    expect(
      configIssuesOf(condition, { branches: [{ id: 'else', label: 'E', rules: [rule('a', 'is_set')] }] })[0]
        ?.message,
    ).toBe('"else" is reserved for the exit taken when no branch matches');
    expect(
      configIssuesOf(condition, {
        branches: [
          { id: 'b', label: 'B1', rules: [rule('a', 'is_set')] },
          { id: 'b', label: 'B2', rules: [rule('a', 'is_set')] },
        ],
      })[0]?.path,
    ).toEqual(['branches', 1, 'id']);
    expect(configIssuesOf(condition, { branches: [{ id: 'b', label: 'B', rules: [] }] })[0]?.message).toBe(
      'Add at least one rule',
    );
  });
});
