import { describe, expect, it } from 'vitest';
import { findCycles } from './findCycles.js';

const graph = (pairs: Array<[string, string]>) => {
  const map = new Map<string, string[]>();
  for (const [from, to] of pairs) map.set(from, [...(map.get(from) ?? []), to]);
  return map;
};

describe('findCycles', () => {
  it('finds loops of several nodes and self-loops', () => {
    const edges = graph([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'a'],
      ['c', 'd'],
      ['d', 'd'],
      ['e', 'a'],
    ]);
    const cycles = findCycles(['a', 'b', 'c', 'd', 'e'], edges).map((c) => [...c].sort());
    expect(cycles).toHaveLength(2);
    expect(cycles).toContainEqual(['a', 'b', 'c']);
    expect(cycles).toContainEqual(['d']);
  });

  it('finds nothing in a graph without cycles, and ignores nodes outside the set', () => {
    expect(
      findCycles(
        ['a', 'b', 'c'],
        graph([
          ['a', 'b'],
          ['b', 'c'],
          ['a', 'c'],
        ]),
      ),
    ).toEqual([]);
    // b waits for input, so it is left out: the loop a → b → a is broken.
    expect(
      findCycles(
        ['a'],
        graph([
          ['a', 'b'],
          ['b', 'a'],
        ]),
      ),
    ).toEqual([]);
  });

  it('handles long chains without recursion', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => `n${i}`);
    const edges = graph(ids.map((id, i) => [id, ids[(i + 1) % ids.length]!] as [string, string]));
    expect(findCycles(ids, edges)[0]).toHaveLength(50_000);
  });
});
