import { describe, expect, it } from 'vitest';
import { emptyEnvelope, packEnvelope, pushBounded, readEnvelope } from './envelope.js';

describe('readEnvelope', () => {
  it('accepts a stored envelope and returns a copy the turn may change', () => {
    const stored = {
      ...emptyEnvelope(),
      seen: ['w1'],
      timers: { inactivity: 't1', delay: { id: 't2', port: 'next', due: 5 } },
      handoff: { resume: 'waiting' },
    };
    const read = readEnvelope(JSON.parse(JSON.stringify(stored)));
    expect(read).toEqual(stored);
    read!.timers.coalesce = 'x';
    expect(stored.timers).not.toHaveProperty('coalesce');
  });

  it('fills defaults for an older, partial envelope and refuses garbage', () => {
    expect(readEnvelope({ v: 1, machine: { value: 'n1' } })).toMatchObject({
      seen: [],
      path: [],
      pending: [],
      history: [],
      seq: 0,
      timers: {},
    });
    expect(readEnvelope({ v: 2 })).toBeNull();
    expect(readEnvelope({ v: 1, seen: [1] })).toBeNull();
    expect(readEnvelope({ v: 1, timers: { delay: { id: 't' } } })).toBeNull();
    expect(readEnvelope({ v: 1, handoff: { resume: 'lunch' } })).toBeNull();
    expect(readEnvelope(null)).toBeNull();
  });
});

describe('packEnvelope', () => {
  it('stores a new object without the unset optional keys', () => {
    const working = {
      ...emptyEnvelope(),
      nodeState: undefined,
      handoff: undefined,
      restAt: 7,
      timers: { inactivity: undefined, delay: { id: 't2', port: 'next', due: 5 }, coalesce: 't3' },
    };
    const packed = packEnvelope(working);
    expect(packed).toStrictEqual({
      v: 1,
      machine: null,
      seen: [],
      path: [],
      pending: [],
      history: [],
      seq: 0,
      restAt: 7,
      timers: { delay: { id: 't2', port: 'next', due: 5 }, coalesce: 't3' },
    });
    expect(packed).not.toBe(working);
    expect(readEnvelope(JSON.parse(JSON.stringify(packed)))).toEqual(packed);
  });
});

describe('pushBounded', () => {
  it('keeps the newest items', () => {
    expect(pushBounded([1, 2, 3], 4, 3)).toEqual([2, 3, 4]);
    expect(pushBounded([], 1, 3)).toEqual([1]);
  });
});
