import { describe, expect, it } from 'vitest';
import { newOptionId } from './newOptionId.js';

function sequence(values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length] ?? 0;
}

describe('newOptionId', () => {
  it('makes a short prefixed id', () => {
    expect(newOptionId([], sequence([0, 0.5, 0.99, 0.1]))).toMatch(/^opt-[a-z2-9]{4}$/);
    expect(newOptionId([], sequence([0]), 'branch')).toBe('branch-aaaa');
  });

  it('never returns an id already taken, growing longer when it must', () => {
    expect(newOptionId(['opt-aaaa'], sequence([0]))).toBe('opt-aaaaa');
    const taken = new Set<string>();
    for (let count = 0; count < 200; count += 1) taken.add(newOptionId(taken, Math.random));
    expect(taken.size).toBe(200);
  });
});
