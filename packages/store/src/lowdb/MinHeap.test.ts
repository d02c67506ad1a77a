import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from './MinHeap.js';

describe('MinHeap', () => {
  it('pops keys in ascending order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 })), (keys) => {
        const heap = new MinHeap<number>();
        keys.forEach((key, index) => heap.push(key, index));
        const out: number[] = [];
        for (let top = heap.pop(); top; top = heap.pop()) out.push(top.key);
        expect(out).toEqual([...keys].sort((a, b) => a - b));
        expect(heap.size).toBe(0);
      }),
    );
  });

  it('pops equal keys in push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 })), (keys) => {
        const heap = new MinHeap<number>();
        keys.forEach((key, index) => heap.push(key, index));
        const out: number[] = [];
        for (let top = heap.pop(); top; top = heap.pop()) out.push(top.value);
        const expected = keys
          .map((key, index) => ({ key, index }))
          .sort((a, b) => a.key - b.key || a.index - b.index);
        expect(out).toEqual(expected.map((entry) => entry.index));
      }),
    );
  });

  it('is empty-safe', () => {
    expect(new MinHeap().pop()).toBeUndefined();
    expect(new MinHeap().peek()).toBeUndefined();
  });
});
