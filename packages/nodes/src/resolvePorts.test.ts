import { describe, expect, it } from 'vitest';
import { resolvePorts } from './resolvePorts.js';

const declaration = [
  { each: 'options', id: 'id', label: 'title' },
  { id: 'fallback', label: 'No match', kind: 'fallback' as const },
];

describe('resolvePorts', () => {
  it('expands one port per array item, then the fixed ports, in order', () => {
    const { ports, duplicates } = resolvePorts(declaration, {
      options: [
        { id: 'opt-a', title: 'Apples' },
        { id: 'opt-b', title: '' },
      ],
    });
    expect(ports).toEqual([
      { id: 'opt-a', label: 'Apples', kind: 'normal' },
      { id: 'opt-b', label: 'opt-b', kind: 'normal' },
      { id: 'fallback', label: 'No match', kind: 'fallback' },
    ]);
    expect(duplicates).toEqual([]);
  });

  it('follows dotted paths and skips items without an id', () => {
    const { ports } = resolvePorts([{ each: 'menu.items', id: 'key.value', label: 'name' }], {
      menu: { items: [{ key: { value: 'k1' }, name: 'One' }, { name: 'no id' }] },
    });
    expect(ports.map((port) => port.id)).toEqual(['k1']);
  });

  it('gives only the fixed ports when the array is missing', () => {
    expect(resolvePorts(declaration, {}).ports.map((port) => port.id)).toEqual(['fallback']);
  });

  it('reports duplicate ids with the path of the repeat and keeps the first', () => {
    const { ports, duplicates } = resolvePorts(declaration, {
      options: [
        { id: 'same', title: 'A' },
        { id: 'same', title: 'B' },
        { id: 'fallback', title: 'C' },
      ],
    });
    expect(ports.map((port) => port.label)).toEqual(['A', 'C']);
    expect(duplicates).toEqual([
      { id: 'same', path: ['options', 1, 'id'] },
      { id: 'fallback', path: [] },
    ]);
  });

  it('passes on what an unconnected port does', () => {
    const { ports } = resolvePorts(
      [{ id: 'retry', label: 'Retry', whenUnconnected: 'The question is asked again.' }],
      {},
    );
    expect(ports).toEqual([
      { id: 'retry', label: 'Retry', kind: 'normal', whenUnconnected: 'The question is asked again.' },
    ]);
  });
});
