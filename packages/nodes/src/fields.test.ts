import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { field, isTemplateSchema, template, uiOf, withUi } from './fields.js';
import { toConfigIssues } from './toConfigIssues.js';

describe('field helpers', () => {
  it('attach UI hints that survive z.toJSONSchema', () => {
    const schema = z.object({
      text: template({ label: 'The message', max: 4096, multiline: true, help: 'Use {{name}}' }).default(''),
      name: field.variable({ title: 'Variable' }),
      target: field.node(),
      mode: withUi(z.enum(['a', 'b']), { showIf: { field: 'text', equals: 'x' } }),
    });
    const json = z.toJSONSchema(schema, { io: 'input' }) as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(json.properties.text).toMatchObject({
      maxLength: 4096,
      ui: { widget: 'template', multiline: true, help: 'Use {{name}}' },
    });
    expect(json.properties.name).toMatchObject({ title: 'Variable', ui: { widget: 'variable' } });
    expect(json.properties.target).toMatchObject({ ui: { widget: 'node' } });
    expect(json.properties.mode).toMatchObject({ ui: { showIf: { field: 'text', equals: 'x' } } });
    expect(isTemplateSchema(schema.shape.text.unwrap())).toBe(true);
    expect(uiOf(schema.shape.name)?.widget).toBe('variable');
  });

  it('word length limits for people, naming WhatsApp only for its own numbers', () => {
    expect(
      template({ label: 'Button title', max: 20 }).safeParse('x'.repeat(21)).error?.issues[0]?.message,
    ).toBe('Button title is 21 characters; WhatsApp allows 20');
    expect(
      field.text({ label: 'The name', max: 33 }).safeParse('x'.repeat(34)).error?.issues[0]?.message,
    ).toBe('The name is 34 characters; the limit is 33');
    expect(field.text({ label: 'The name', min: 1 }).safeParse('').error?.issues[0]?.message).toBe(
      'The name cannot be empty',
    );
  });
});

describe('toConfigIssues', () => {
  it('keeps our messages and rewrites zod’s generic ones', () => {
    const schema = z.object({
      count: z.number().max(3),
      kind: z.enum(['a', 'b']),
      list: z.array(z.string()).min(2),
      name: z.string(),
    });
    const result = schema.safeParse({ count: 9, kind: 'c', list: [], name: undefined });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(toConfigIssues(result.error)).toEqual([
        { path: ['count'], message: 'Use a value of at most 3', severity: 'error' },
        { path: ['kind'], message: 'Choose one of: a, b', severity: 'error' },
        { path: ['list'], message: 'Add at least 2 items', severity: 'error' },
        { path: ['name'], message: 'This field is required', severity: 'error' },
      ]);
    }
  });
});
