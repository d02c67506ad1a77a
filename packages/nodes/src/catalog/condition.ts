import { z } from 'zod';
import { defineNode } from '../defineNode.js';
import { field, template } from '../fields.js';
import { checkPattern } from '../support/safeRegex.js';
import { evaluateRule, RULE_OPERATORS } from '../support/evaluateRule.js';

const VALUELESS = new Set(['is_set', 'is_empty']);

const rule = z.object({
  variable: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, {
      error: 'Use a variable name, like size or order.status',
    })
    .max(128)
    .meta({ title: 'Variable', ui: { widget: 'variable' } }),
  operator: z.enum(RULE_OPERATORS).default('equals').meta({ title: 'Operator' }),
  value: template({ label: 'The value', max: 1000, title: 'Value' }).default(''),
  caseSensitive: z.boolean().default(false).meta({ title: 'Case-sensitive' }),
});

const branch = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.:-]+$/, { error: 'A branch id uses letters, digits, and - _ . : only' })
    .refine((id) => id !== 'else', { error: '"else" is reserved for the exit taken when no branch matches' })
    .meta({ ui: { widget: 'hidden' } }),
  label: field.text({ label: 'The branch name', min: 1, max: 60, title: 'Name' }),
  join: z.enum(['all', 'any']).default('all').meta({ title: 'Match', description: 'all rules, or any rule' }),
  rules: z.array(rule).min(1, { error: 'Add at least one rule' }).max(20).meta({ title: 'Rules' }),
});

const config = z.object({
  branches: z
    .array(branch)
    .min(1, { error: 'Add at least one branch' })
    .max(20, { error: 'Use at most 20 branches' })
    .default([
      {
        id: 'branch-1',
        label: 'Branch 1',
        join: 'all',
        rules: [{ variable: 'answer', operator: 'is_set', value: '', caseSensitive: false }],
      },
    ])
    .meta({ title: 'Branches', description: 'Checked in order; the first that matches is taken' }),
});

/** Branches on variables: ordered branches of rules joined by all/any, plus `else`. */
export const condition = defineNode({
  type: 'condition',
  title: 'Condition',
  category: 'Logic',
  icon: 'git-branch',
  description: 'Takes the first branch whose rules match the variables, or else.',
  config,
  ports: [
    { each: 'branches', id: 'id', label: 'label' },
    { id: 'else', label: 'Else', kind: 'fallback' },
  ],
  summary: (settings) =>
    settings.branches
      .map(
        (item) =>
          `${item.label}: ${item.rules.map((r) => `${r.variable} ${r.operator.replace('_', ' ')}${VALUELESS.has(r.operator) ? '' : ` ${r.value}`}`).join(item.join === 'all' ? ' and ' : ' or ')}`,
      )
      .join('; '),
  check(settings) {
    const issues: Array<{ path: (string | number)[]; message: string; severity?: 'warning' }> = [];
    settings.branches.forEach((item, branchIndex) => {
      item.rules.forEach((r, ruleIndex) => {
        const path = ['branches', branchIndex, 'rules', ruleIndex, 'value'];
        if (r.operator === 'matches') {
          const checked = checkPattern(r.value);
          if (!checked.ok) issues.push({ path, message: checked.message });
        }
        if (
          (r.operator === 'greater_than' || r.operator === 'less_than') &&
          !/\{\{/.test(r.value) &&
          !Number.isFinite(Number(r.value.trim().replace(',', '.')))
        ) {
          issues.push({ path, message: 'Compare with a number here' });
        } else if (
          !VALUELESS.has(r.operator) &&
          r.operator !== 'not_equals' &&
          r.value === '' &&
          r.operator !== 'equals'
        ) {
          issues.push({ path, message: 'This rule compares with an empty value', severity: 'warning' });
        }
      });
    });
    return issues;
  },
  run({ config: settings, vars }) {
    for (const item of settings.branches) {
      const results = item.rules.map((r) => evaluateRule(r, vars));
      if (item.join === 'all' ? results.every(Boolean) : results.some(Boolean))
        return { next: { port: item.id } };
    }
    return { next: { port: 'else' } };
  },
});
