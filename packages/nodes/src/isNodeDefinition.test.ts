import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtinNodes } from './catalog/builtinNodes.js';
import { isNodeDefinition, nodeDefinitionProblems } from './isNodeDefinition.js';

const valid = {
  type: 'acme/hello',
  title: 'Hello',
  category: 'Messages',
  icon: '👋',
  description: 'Says hello',
  config: z.object({}),
  ports: [
    { id: 'next', label: 'Next' },
    { each: 'items', id: 'id', label: 'title' },
  ],
  run: () => ({ next: { port: 'next' } }),
};

describe('nodeDefinitionProblems', () => {
  it('accepts every built-in node and a minimal custom one', () => {
    for (const node of builtinNodes) expect(nodeDefinitionProblems(node), node.type).toEqual([]);
    expect(isNodeDefinition(valid)).toBe(true);
  });

  it('names each problem', () => {
    expect(nodeDefinitionProblems(null)).toEqual(['it is not an object']);
    expect(
      nodeDefinitionProblems({
        ...valid,
        type: 'Acme Hello',
        title: '',
        config: { parse: () => ({}) },
        ports: [{ id: 'next' }],
        run: 'no',
        onReply: true,
        version: 0,
      }),
    ).toEqual([
      'type must be a kebab-case id, namespaced for custom nodes (like "acme/order-status")',
      'title must be a non-empty string',
      'config must be a zod 4 schema',
      'ports[0] must have string id and label (and each, for per-item ports)',
      'run must be a function',
      'onReply must be a function when present',
      'version must be a whole number from 1',
    ]);
    expect(isNodeDefinition({ ...valid, ports: 'next' })).toBe(false);
  });
});
