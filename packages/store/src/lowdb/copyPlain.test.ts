import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../deepFreeze.js';
import { copyPlain } from './copyPlain.js';

describe('copyPlain', () => {
  it('copies plain data as structuredClone does, sharing nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = copyPlain(value);
        expect(copy).toStrictEqual(structuredClone(value));
        if (typeof value === 'object' && value !== null) expect(copy).not.toBe(value);
      }),
      { numRuns: 1000 },
    );
    const row = { id: 'o1', message: { text: { body: 'hi' }, list: [{ a: 1 }] }, lastError: undefined };
    const copy = copyPlain(row);
    copy.message.text.body = 'changed';
    copy.message.list[0]!.a = 2;
    expect(row).toStrictEqual({
      id: 'o1',
      message: { text: { body: 'hi' }, list: [{ a: 1 }] },
      lastError: undefined,
    });
    expect('lastError' in copy).toBe(true);
  });

  it('keeps an own __proto__ key (from JSON input) as data, never as the prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = copyPlain(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(copy).toStrictEqual(structuredClone(value));
  });

  it('falls back to structuredClone for values that are not plain objects', () => {
    const value = { at: new Date(5), tags: new Set(['a']) };
    const copy = copyPlain(value);
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(value.at);
    expect(copy.at.getTime()).toBe(5);
    expect(copy.tags).toStrictEqual(new Set(['a']));
  });
});

describe('deepFreeze', () => {
  it('freezes a value and everything in it, and returns it', () => {
    const value = { flow: { nodes: [{ id: 'a', data: { text: 'hi' } }] }, n: 1 };
    expect(deepFreeze(value)).toBe(value);
    expect(() => {
      value.flow.nodes[0]!.data.text = 'changed';
    }).toThrow(TypeError);
    expect(() => value.flow.nodes.push({ id: 'b', data: { text: '' } })).toThrow(TypeError);
    expect(value.flow.nodes[0]!.data.text).toBe('hi');
    expect(deepFreeze(null)).toBeNull();
  });
});
