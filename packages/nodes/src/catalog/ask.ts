import { z } from 'zod';
import { WHATSAPP_LIMITS } from '@parley/flow';
import { defineNode } from '../defineNode.js';
import { field, template } from '../fields.js';
import { checkPattern } from '../support/safeRegex.js';
import { truncate } from '../support/text.js';
import { validateAnswer } from '../support/validateAnswer.js';

const validation = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('text').meta({ title: 'Any text' }),
      minLength: z.number().int().min(0).max(4096).default(1).meta({ title: 'Shortest' }),
      maxLength: z.number().int().min(1).max(4096).default(4096).meta({ title: 'Longest' }),
    }),
    z.object({
      type: z.literal('number').meta({ title: 'A number' }),
      min: z.number().optional().meta({ title: 'Smallest' }),
      max: z.number().optional().meta({ title: 'Largest' }),
      integer: z.boolean().default(false).meta({ title: 'Whole numbers only' }),
    }),
    z.object({ type: z.literal('email').meta({ title: 'An email address' }) }),
    z.object({ type: z.literal('phone').meta({ title: 'A phone number' }) }),
    z.object({
      type: z.literal('date').meta({ title: 'A date' }),
      order: z
        .enum(['dmy', 'mdy', 'ymd'])
        .default('dmy')
        .meta({ title: 'Typed as', description: 'dmy: 31/12/2026, mdy: 12/31/2026, ymd: 2026-12-31' }),
    }),
    z.object({
      type: z.literal('choice').meta({ title: 'One of these values' }),
      values: z
        .array(field.text({ label: 'A value', min: 1, max: 200 }))
        .min(1, { error: 'Add at least one value' })
        .max(100),
    }),
    z.object({
      type: z.literal('regex').meta({ title: 'Matches a pattern' }),
      pattern: field.code({ label: 'The pattern', min: 1, max: 200, title: 'Pattern' }),
      caseSensitive: z.boolean().default(false),
    }),
    z.object({
      type: z.literal('media').meta({ title: 'A file or picture' }),
      kinds: z
        .array(z.enum(['image', 'video', 'audio', 'document', 'sticker']))
        .default([])
        .meta({ title: 'Allowed kinds (none = any)' }),
    }),
    z.object({ type: z.literal('location').meta({ title: 'A location' }) }),
  ])
  .meta({ title: 'Expect' });

const config = z.object({
  question: template({
    label: 'The question',
    min: 1,
    max: WHATSAPP_LIMITS.textBody,
    title: 'Question',
    multiline: true,
  }).default('What is your name?'),
  variable: field.variable({ title: 'Save the answer in' }).default('answer'),
  validation: validation.default({ type: 'text', minLength: 1, maxLength: 4096 }),
  retryMessage: template({
    label: 'The retry message',
    min: 1,
    max: WHATSAPP_LIMITS.textBody,
    title: 'When the answer is not valid',
    multiline: true,
  }).default('Sorry, that does not look right. Please try again.'),
  maxRetries: z.number().int().min(0).max(10).default(2).meta({ title: 'Ask again up to (times)' }),
});

/** A free-form question whose answer is validated and saved to a variable; `invalid` after too many tries. */
export const ask = defineNode({
  type: 'ask',
  title: 'Ask',
  category: 'Questions',
  icon: 'help-circle',
  description: 'Asks a question, checks the answer (text, number, email, phone, date, …) and saves it.',
  config,
  ports: [
    { id: 'next', label: 'Answered' },
    { id: 'invalid', label: 'Invalid', kind: 'fallback' },
  ] as const,
  summary: (settings) =>
    `${truncate(settings.question, 50)} → {{${settings.variable}}} (${settings.validation.type})`,
  variablesSet: (settings) => [settings.variable],
  check(settings) {
    const rule = settings.validation;
    const issues: Array<{ path: (string | number)[]; message: string }> = [];
    if (rule.type === 'text' && rule.minLength > rule.maxLength) {
      issues.push({
        path: ['validation', 'minLength'],
        message: 'The shortest length is larger than the longest',
      });
    }
    if (rule.type === 'number' && rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
      issues.push({ path: ['validation', 'min'], message: 'The smallest number is larger than the largest' });
    }
    if (rule.type === 'regex') {
      const checked = checkPattern(rule.pattern);
      if (!checked.ok) issues.push({ path: ['validation', 'pattern'], message: checked.message });
    }
    return issues;
  },
  run: ({ config: settings }) => ({
    messages: [{ type: 'text', text: settings.question }],
    next: { wait: 'reply' },
  }),
  onReply({ config: settings, input, nodeState }) {
    const answer = validateAnswer(settings.validation, input);
    if (answer.ok) return { set: { [settings.variable]: answer.value }, next: { port: 'next' } };
    const attempts = ((nodeState as { attempts?: number } | undefined)?.attempts ?? 0) + 1;
    if (attempts > settings.maxRetries) return { next: { port: 'invalid' } };
    return {
      messages: [{ type: 'text', text: settings.retryMessage }],
      nodeState: { attempts },
      next: { wait: 'reply' },
    };
  },
});
