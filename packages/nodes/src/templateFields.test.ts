import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { template } from './fields.js';
import { findTemplateFields, renderTemplateFields } from './templateFields.js';

const schema = z.object({
  text: template().default(''),
  plain: z.string().default(''),
  options: z.array(z.object({ id: z.string(), title: template() })).default([]),
  target: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('a'), note: template() }),
      z.object({ kind: z.literal('b') }),
    ])
    .optional(),
  params: z.array(template()).default([]),
});

describe('findTemplateFields', () => {
  it('finds marked strings through objects, arrays, defaults and unions', () => {
    const config = schema.parse({
      text: 'Hi {{name}}',
      plain: '{{not_a_template}}',
      options: [{ id: 'x', title: 'Deliver to {{city}}' }],
      target: { kind: 'a', note: 'n' },
      params: ['{{one}}'],
    });
    expect(findTemplateFields(schema, config)).toEqual([
      { path: ['text'], text: 'Hi {{name}}' },
      { path: ['options', 0, 'title'], text: 'Deliver to {{city}}' },
      { path: ['target', 'note'], text: 'n' },
      { path: ['params', 0], text: '{{one}}' },
    ]);
  });

  it('finds nothing in a config without marked fields', () => {
    expect(findTemplateFields(z.object({ a: z.string() }), { a: '{{x}}' })).toEqual([]);
  });
});

describe('renderTemplateFields', () => {
  it('renders marked fields only and leaves the input untouched', () => {
    const config = schema.parse({
      text: 'Hi {{name}}',
      plain: '{{name}}',
      options: [{ id: '{{id}}', title: '{{name}}' }],
    });
    const rendered = renderTemplateFields(schema, config, (text) => text.replace('{{name}}', 'Ada'));
    expect(rendered.text).toBe('Hi Ada');
    expect(rendered.plain).toBe('{{name}}');
    expect(rendered.options[0]).toEqual({ id: '{{id}}', title: 'Ada' });
    expect(config.text).toBe('Hi {{name}}');
  });
});
