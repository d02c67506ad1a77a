import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineNode } from './defineNode.js';
import { template } from './fields.js';
import type { NodeNext } from './types.js';

describe('defineNode', () => {
  const greet = defineNode({
    type: 'acme/greet',
    title: 'Greet',
    category: 'Messages',
    icon: '👋',
    description: 'Says hello',
    config: z.object({ name: template().default('world'), loud: z.boolean().default(false) }),
    ports: [
      { id: 'next', label: 'Next' },
      { id: 'error', label: 'Error', kind: 'error' },
    ] as const,
    run: ({ config }) => ({
      messages: [{ type: 'text', text: `Hello ${config.name}` }],
      next: { port: 'next' },
    }),
  });

  it('returns the definition unchanged', () => {
    expect(greet.type).toBe('acme/greet');
    expect(greet.ports.map((port) => port.id)).toEqual(['next', 'error']);
  });

  it('infers the config type from the zod schema', () => {
    expectTypeOf(greet.run)
      .parameter(0)
      .toHaveProperty('config')
      .toEqualTypeOf<{ name: string; loud: boolean }>();
  });

  it('narrows next.port to the ids of a static port list', () => {
    type Result = Awaited<ReturnType<typeof greet.run>>;
    expectTypeOf<Result['next']>().toEqualTypeOf<NodeNext<'next' | 'error'>>();
    defineNode({
      type: 'acme/wrong-port',
      title: 'Wrong',
      category: 'Logic',
      icon: 'x',
      description: 'Leaves by a port it does not declare',
      config: z.object({}),
      ports: [{ id: 'next', label: 'Next' }] as const,
      // @ts-expect-error -- 'nope' is not a declared port
      run: () => ({ next: { port: 'nope' } }),
    });
  });

  it('allows any port id when ports come from config', () => {
    const perItem = defineNode({
      type: 'acme/per-item',
      title: 'Per item',
      category: 'Logic',
      icon: 'x',
      description: 'One port per item',
      config: z.object({ items: z.array(z.object({ id: z.string(), title: z.string() })).default([]) }),
      ports: [
        { each: 'items', id: 'id', label: 'title' },
        { id: 'fallback', label: 'Other', kind: 'fallback' },
      ],
      run: ({ config }) => ({ next: { port: config.items[0]?.id ?? 'fallback' } }),
    });
    type Result = Awaited<ReturnType<typeof perItem.run>>;
    expectTypeOf<Result['next']>().toEqualTypeOf<NodeNext<string>>();
    expect(perItem.ports).toHaveLength(2);
  });
});
