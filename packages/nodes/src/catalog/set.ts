import { z } from 'zod';
import { defineNode } from '../defineNode.js';
import { field, template } from '../fields.js';
import { readVariable } from '../support/text.js';

const operation = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('set').meta({ title: 'Set' }),
    variable: field.variable({ title: 'Variable' }),
    value: template({ label: 'The value', max: 4096, title: 'Value' }).default(''),
    as: z.enum(['text', 'number', 'boolean', 'json']).default('text').meta({ title: 'Store as' }),
  }),
  z.object({
    op: z.literal('clear').meta({ title: 'Clear' }),
    variable: field.variable({ title: 'Variable' }),
  }),
  z.object({
    op: z.literal('increment').meta({ title: 'Increment' }),
    variable: field.variable({ title: 'Variable' }),
    by: z.number().finite().default(1).meta({ title: 'By' }),
  }),
]);

const config = z.object({
  operations: z
    .array(operation)
    .min(1, { error: 'Add at least one change' })
    .max(50, { error: 'Use at most 50 changes in one node' })
    .default([{ op: 'set', variable: 'status', value: '', as: 'text' }])
    .meta({ title: 'Changes', description: 'Applied in order' }),
});

type Operation = z.output<typeof operation>;

function convert(operation: Extract<Operation, { op: 'set' }>): unknown {
  const text = operation.value;
  if (operation.as === 'number') {
    const value = Number(text.trim().replace(',', '.'));
    return text.trim() !== '' && Number.isFinite(value) ? value : null;
  }
  if (operation.as === 'boolean') return ['true', 'yes', '1', 'on'].includes(text.trim().toLowerCase());
  if (operation.as === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Sets, clears or increments variables; values may use `{{templates}}`. */
export const set = defineNode({
  type: 'set',
  title: 'Set variables',
  category: 'Logic',
  icon: 'variable',
  description: 'Sets, clears or increments variables.',
  config,
  ports: [{ id: 'next', label: 'Next' }] as const,
  summary: (settings) =>
    settings.operations
      .map((item) =>
        item.op === 'set'
          ? `${item.variable} = ${item.value}`
          : item.op === 'clear'
            ? `clear ${item.variable}`
            : `${item.variable} += ${item.by}`,
      )
      .join(', '),
  variablesSet: (settings) => [...new Set(settings.operations.map((item) => item.variable))],
  check(settings) {
    const issues: Array<{ path: (string | number)[]; message: string }> = [];
    settings.operations.forEach((item, index) => {
      if (item.op === 'set' && item.as === 'json' && !item.value.includes('{{')) {
        try {
          JSON.parse(item.value);
        } catch {
          issues.push({ path: ['operations', index, 'value'], message: 'This is not valid JSON' });
        }
      }
    });
    return issues;
  },
  run({ config: settings, vars }) {
    const updates: Record<string, unknown> = {};
    for (const item of settings.operations) {
      if (item.op === 'set') updates[item.variable] = convert(item);
      else if (item.op === 'clear') updates[item.variable] = null;
      else {
        // Later changes see earlier ones, so "increment twice" adds two.
        const before = item.variable in updates ? updates[item.variable] : readVariable(vars, item.variable);
        const number =
          typeof before === 'number'
            ? before
            : Number(typeof before === 'string' && before.trim() !== '' ? before : 0);
        updates[item.variable] = (Number.isFinite(number) ? number : 0) + item.by;
      }
    }
    return { set: updates, next: { port: 'next' } };
  },
});
